import type TS from 'typescript';
import { ts } from '../../../platform/typescript';

export type Severity = 'info' | 'minor' | 'major' | 'critical';

export interface ReviewFinding {
  rule: string;
  severity: Severity;
  /** Secrets and architecture violations block the release; style findings do not. */
  blocking: boolean;
  file: string;
  line: number;
  message: string;
}

export interface FunctionComplexity {
  file: string;
  name: string;
  line: number;
  complexity: number;
}

export const complexityLimit = 10;

/** Which layer may import which: the Clean Architecture dependency rule. */
const forbiddenImports: Record<string, string[]> = {
  domain: ['application', 'infrastructure', 'api'],
  application: ['infrastructure', 'api'],
  infrastructure: ['api'],
};

const secretPatterns: Array<{ name: string; pattern: RegExp }> = [
  { name: 'private key', pattern: /-----BEGIN (RSA |EC |OPENSSH )?PRIVATE KEY-----/ },
  { name: 'AWS access key', pattern: /AKIA[0-9A-Z]{16}/ },
  { name: 'connection string with a key', pattern: /(AccountKey|SharedAccessKey|Password)=[^;'"\s]{6,}/i },
  {
    name: 'hard-coded password or secret',
    pattern: /(password|passwd|secret|api[_-]?key|token)\s*[:=]\s*['"][^'"]{6,}['"]/i,
  },
  { name: 'URL with credentials', pattern: /[a-z]+:\/\/[^/\s:@'"]+:[^/\s@'"]+@/i },
];

function layerOf(path: string): string | undefined {
  return /^src\/(domain|application|infrastructure|api)\//.exec(path)?.[1];
}

function functionName(node: TS.Node, source: TS.SourceFile): string {
  if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name)
    return node.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(source);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(source);
  return '(anonymous)';
}

/** McCabe complexity: 1 + decision points (branches, loops, cases, catch, && || ??, ?:) inside the function body. */
function complexityOf(fn: TS.Node): number {
  let count = 1;
  const visit = (node: TS.Node) => {
    if (node !== fn && ts.isFunctionLike(node)) return;
    switch (node.kind) {
      case ts.SyntaxKind.IfStatement:
      case ts.SyntaxKind.ForStatement:
      case ts.SyntaxKind.ForInStatement:
      case ts.SyntaxKind.ForOfStatement:
      case ts.SyntaxKind.WhileStatement:
      case ts.SyntaxKind.DoStatement:
      case ts.SyntaxKind.CaseClause:
      case ts.SyntaxKind.CatchClause:
      case ts.SyntaxKind.ConditionalExpression:
        count += 1;
        break;
      case ts.SyntaxKind.BinaryExpression: {
        const operator = (node as TS.BinaryExpression).operatorToken.kind;
        if (
          operator === ts.SyntaxKind.AmpersandAmpersandToken ||
          operator === ts.SyntaxKind.BarBarToken ||
          operator === ts.SyntaxKind.QuestionQuestionToken
        ) {
          count += 1;
        }
        break;
      }
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(fn, visit);
  return count;
}

/** Static review of a service's sources (no execution): complexity, lint-like rules, secrets, architecture. */
export function reviewSources(files: Array<{ path: string; content: string }>): {
  findings: ReviewFinding[];
  functions: FunctionComplexity[];
} {
  const findings: ReviewFinding[] = [];
  const functions: FunctionComplexity[] = [];
  for (const file of files) {
    const lines = file.content.split('\n');
    lines.forEach((text, index) => {
      for (const secret of secretPatterns) {
        if (secret.pattern.test(text)) {
          findings.push({
            rule: 'no-secrets',
            severity: 'critical',
            blocking: true,
            file: file.path,
            line: index + 1,
            message: `possible ${secret.name} in source: move it to configuration or a key vault reference`,
          });
        }
      }
    });
    if (!file.path.endsWith('.ts')) continue;
    const source = ts.createSourceFile(file.path, file.content, ts.ScriptTarget.ES2022, true);
    const layer = layerOf(file.path);
    const lineOf = (node: TS.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    const visit = (node: TS.Node) => {
      if (ts.isImportDeclaration(node) && layer && ts.isStringLiteral(node.moduleSpecifier)) {
        const target = /^\.\.\/(domain|application|infrastructure|api)\//.exec(
          node.moduleSpecifier.text,
        )?.[1];
        if (target && forbiddenImports[layer]?.includes(target)) {
          findings.push({
            rule: 'architecture-dependency-rule',
            severity: 'critical',
            blocking: true,
            file: file.path,
            line: lineOf(node),
            message: `${layer} must not import ${target} ('${node.moduleSpecifier.text}'): depend on a port instead`,
          });
        }
      }
      if (node.kind === ts.SyntaxKind.AnyKeyword) {
        findings.push({
          rule: 'no-explicit-any',
          severity: 'minor',
          blocking: false,
          file: file.path,
          line: lineOf(node),
          message: 'explicit any: use unknown and narrow, or a precise type',
        });
      }
      if (
        layer === 'domain' &&
        ts.isCallExpression(node) &&
        /^console\.(log|info|debug|warn|error)$/.test(node.expression.getText(source))
      ) {
        findings.push({
          rule: 'no-console-in-domain',
          severity: 'minor',
          blocking: false,
          file: file.path,
          line: lineOf(node),
          message: 'console output in the domain layer: raise a domain event or return a result instead',
        });
      }
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const complexity = complexityOf(node);
        const entry = { file: file.path, name: functionName(node, source), line: lineOf(node), complexity };
        functions.push(entry);
        if (complexity > complexityLimit) {
          findings.push({
            rule: 'max-complexity',
            severity: 'major',
            blocking: false,
            file: file.path,
            line: entry.line,
            message: `${entry.name} has cyclomatic complexity ${complexity} (limit ${complexityLimit}): split it`,
          });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { findings, functions };
}
