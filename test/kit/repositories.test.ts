import {
  FailingRepository,
  RepositoryUnavailableError,
  SlowRepository,
} from '../../kit/service/src/infrastructure/faultyRepository';
import { InMemoryRepository } from '../../kit/service/src/infrastructure/inMemoryRepository';

interface Loan {
  id: string;
  memberId: string;
  status: string;
}

describe('service kit: repositories', () => {
  it('finds every record with a value, as copies the caller cannot alias', async () => {
    const loans = new InMemoryRepository<Loan>();
    await loans.save({ id: 'a', memberId: 'm1', status: 'open' });
    await loans.save({ id: 'b', memberId: 'm2', status: 'open' });
    await loans.save({ id: 'c', memberId: 'm1', status: 'returned' });
    const held = await loans.findAll('memberId', 'm1');
    expect(held.map((l) => l.id)).toEqual(['a', 'c']);
    held[0].status = 'changed';
    expect((await loans.get('a'))!.status).toBe('open');
    expect(await loans.findAll('memberId', 'nobody')).toEqual([]);
    expect((await loans.findBy('status', 'returned'))!.id).toBe('c');
    expect(await loans.list(1, 1)).toEqual({
      items: [{ id: 'b', memberId: 'm2', status: 'open' }],
      total: 3,
    });
    expect(await loans.delete('b')).toBe(true);
    expect(await loans.delete('b')).toBe(false);
  });

  it('injects faults: a failing store refuses every call, a slow one answers late', async () => {
    const failing = new FailingRepository<Loan>();
    await expect(failing.findAll()).rejects.toBeInstanceOf(RepositoryUnavailableError);
    await expect(failing.save()).rejects.toThrow('repository unavailable during save');
    const inner = new InMemoryRepository<Loan>();
    await inner.save({ id: 'a', memberId: 'm1', status: 'open' });
    const slow = new SlowRepository(inner, 30);
    const started = Date.now();
    expect((await slow.findAll('memberId', 'm1')).map((l) => l.id)).toEqual(['a']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
});
