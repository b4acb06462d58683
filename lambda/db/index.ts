export const handler = async () => ({ error: { code: 'NotImplemented', message: 'db is not implemented yet' } });
