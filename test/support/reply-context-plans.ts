import pg from 'pg';

/**
 * The plans of the statements the reply_context function runs (PL/pgSQL: EXPLAIN of the call shows a function
 * scan only), from auto_explain in a session of its own, sent back as notices.
 */
export async function replyContextPlans(url: string, replyId: string): Promise<string[]> {
  const session = new pg.Client({ connectionString: url });
  await session.connect();
  const plans: string[] = [];
  session.on('notice', (notice) => plans.push(notice.message ?? ''));
  try {
    await session.query("load 'auto_explain'");
    await session.query('set auto_explain.log_min_duration = 0');
    await session.query('set auto_explain.log_nested_statements = on');
    await session.query("set auto_explain.log_level = 'notice'");
    await session.query('select "part", ("message").* from reply_context($1, $2)', [replyId, 20]);
    return plans;
  } finally {
    await session.end();
  }
}
