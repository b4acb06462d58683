/**
 * The floor of every cold start and of the invoke path: a function that does nothing, run by the
 * local FC like ours (bench/floor-fc.ts). `handler` is invoked as db is (fc2 InvokeFunction),
 * `http` as session is (HTTP trigger POST).
 */
exports.handler = async () => ({});

exports.http = async (_req, resp) => resp.send('');
