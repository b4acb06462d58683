export const handler = async () => ({ error: { code: 'NotImplemented', message: 'session is not implemented yet' } });
