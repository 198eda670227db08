/**
 * Finds promises in src/ that nobody owns: a rejection there is an unhandled rejection, and Bun
 * ends the process on one (a resume's database error during a PostgreSQL outage once exited
 * every instance of a cluster this way). With the types of `tsc`, it reports:
 * - a promise started as a statement (`void p()`, or `p()` alone) that is neither awaited nor
 *   ended by `.catch(…)` or `.then(…, …)`;
 * - an async function (or one returning a promise) handed where a callback returning `void`
 *   is expected: a timer, an event handler, a signal handler, whose caller drops the promise.
 * Each site must catch where it starts the promise, with a reason (log, count, recover); a
 * global handler would hide the next one. Run by .ci/run beside `tsc`:
 *   bun scripts/floating-promises.ts       (prints each site; exit 1 if there is any)
 */
import ts from 'typescript';
import { join, relative } from 'node:path';

const root = join(import.meta.dir, '..');

function unownedPromises(): string[] {
  const configFile = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
  const isSource = (file: string) => relative(root, file).startsWith('src/');
  const program = ts.createProgram(parsed.fileNames.filter(isSource), parsed.options);
  const checker = program.getTypeChecker();
  const isThenable = (type: ts.Type): boolean => (type.isUnion() ? type.types.some(isThenable) : type.getProperty('then') !== undefined);
  const isOwned = (expression: ts.Expression): boolean => {
    if (!ts.isCallExpression(expression) || !ts.isPropertyAccessExpression(expression.expression)) return false;
    const method = expression.expression.name.text;
    return method === 'catch' || (method === 'then' && expression.arguments.length >= 2);
  };
  const returnsOnlyVoid = (type: ts.Type): boolean => {
    const signatures = checker.getNonNullableType(type).getCallSignatures();
    return signatures.length > 0 && signatures.every((signature) => (checker.getReturnTypeOfSignature(signature).flags & (ts.TypeFlags.Void | ts.TypeFlags.Any)) !== 0);
  };
  const found: string[] = [];
  for (const file of program.getSourceFiles()) {
    if (!isSource(file.fileName)) continue;
    const report = (node: ts.Node, what: string) => {
      const { line } = file.getLineAndCharacterOfPosition(node.getStart());
      found.push(`${relative(root, file.fileName)}:${line + 1}: ${what}: ${node.getText().replace(/\s+/g, ' ').slice(0, 120)}`);
    };
    const visit = (node: ts.Node): void => {
      if (ts.isExpressionStatement(node) || (ts.isVoidExpression(node) && !ts.isExpressionStatement(node.parent))) {
        const started = ts.isExpressionStatement(node) ? node.expression : node;
        const promise = ts.isVoidExpression(started) ? started.expression : started;
        // Stored (`running = p.then(…)`): whoever awaits it later owns it.
        const isStored = ts.isBinaryExpression(promise) && promise.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && promise.operatorToken.kind <= ts.SyntaxKind.LastAssignment;
        if (!ts.isAwaitExpression(promise) && !isStored && isThenable(checker.getTypeAtLocation(promise)) && !isOwned(promise)) report(node, 'a promise nobody catches');
      }
      if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) {
        const expected = checker.getContextualType(node);
        const isAsync = node.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.AsyncKeyword) ?? false;
        const returned = checker.getReturnTypeOfSignature(checker.getSignatureFromDeclaration(node)!);
        const conciseOwned = ts.isArrowFunction(node) && !ts.isBlock(node.body) && (isOwned(node.body as ts.Expression) || ts.isVoidExpression(node.body));
        if (expected && returnsOnlyVoid(expected) && (isAsync || (isThenable(returned) && !conciseOwned))) report(node, 'a promise handed to a caller that drops it');
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return found;
}

const found = unownedPromises();
for (const line of found) console.log(line);
if (found.length > 0) {
  console.log(`${found.length} promise(s) without an owner: catch each where it starts (log, count, recover)`);
  process.exit(1);
}
console.log('every promise in src/ has an owner');
