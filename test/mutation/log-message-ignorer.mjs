import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

const LOG_LEVELS = new Set(['debug', 'info', 'warn', 'error']);

/** `logger.warn(…)` or `this.deps.logger.warn(…)`: a call on something named logger. */
function isLoggerCall(node) {
  if (node?.type !== 'CallExpression' || node.callee.type !== 'MemberExpression') return false;
  const { object, property } = node.callee;
  const target = object.type === 'MemberExpression' ? object.property : object;
  return property.type === 'Identifier' && LOG_LEVELS.has(property.name) && target.name === 'logger';
}

/**
 * Leaves unmutated the text of a log line (`logger.warn(fields, 'text')`): operators read it, no user or client
 * relies on its wording. The structured fields stay mutated: alerts and queries rely on those.
 */
export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'log-message-text', {
    shouldIgnore(path) {
      const isText = path.isStringLiteral() || path.isTemplateLiteral();
      if (isText && isLoggerCall(path.parent)) return 'Log message text: read by operators, not a contract';
      return undefined;
    },
  }),
];
