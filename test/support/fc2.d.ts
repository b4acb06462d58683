// @alicloud/fc2 ships no types; this covers what the tests (playing the original client) call.
declare module '@alicloud/fc2' {
  interface FCOptions {
    accessKeyID: string;
    accessKeySecret: string;
    securityToken?: string;
    region: string;
    endpoint?: string;
    secure?: boolean;
    timeout?: number;
  }
  class FC {
    constructor(accountId: string, options: FCOptions);
    invokeFunction(
      serviceName: string,
      functionName: string,
      event: string | Buffer,
      headers?: Record<string, string>,
      qualifier?: string,
      opts?: object,
    ): Promise<{ headers: Record<string, string>; data: any }>;
  }
  export = FC;
}
