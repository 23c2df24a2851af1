import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRODUCT_ASSIGNABLE_ROLES } from './armChecks';

const root = join(__dirname, '..', '..');
const roleIds = (text: string) =>
  [...text.matchAll(/roleDefinitions',\s*'([0-9a-f-]{36})'/gi)].map((m) => m[1].toLowerCase());

describe('the roles products assign and the roles the factory may assign', () => {
  it('lets the factory assign every role a product template grants its identities (ADR 54)', () => {
    const granted = roleIds(
      readFileSync(join(root, 'agents/blueprint/infrastructure/productBicep.ts'), 'utf8'),
    );
    expect(granted.length).toBeGreaterThan(0);
    expect(granted.filter((id) => !PRODUCT_ASSIGNABLE_ROLES[id])).toEqual([]);
  });

  it('finds a role the condition does not allow', () => {
    const owner =
      "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '8e3af657-a8ff-443c-a75c-2fe8c4bcb635')";
    expect(roleIds(owner).filter((id) => !PRODUCT_ASSIGNABLE_ROLES[id])).toEqual([
      '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
    ]);
  });
});
