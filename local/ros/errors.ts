/**
 * Deploy errors as ROS reports them. ROS refuses a bad template or bad parameter values at
 * CreateStack with `StackValidationFailed` before it creates anything; a service that refuses a
 * resource while ROS creates it fails the stack with `CREATE_FAILED` and the service's reason.
 * `npm start` and `npm run preflight` print these, so a deployer reads the same kind of message
 * locally as in the ROS console.
 */
export class RosError extends Error {
  constructor(
    /** `StackValidationFailed` (nothing was created) or `CREATE_FAILED` (a resource was refused). */
    readonly code: 'StackValidationFailed' | 'CREATE_FAILED',
    message: string,
    /** The resource at fault, when there is one. */
    readonly logicalId?: string,
  ) {
    super(message);
  }

  override toString(): string {
    return `${this.code}: ${this.message}`;
  }
}

/** Several problems found in one pass: ROS lists every bad parameter and property at once, not the first only. */
export function validationFailed(problems: string[]): RosError {
  return new RosError('StackValidationFailed', problems.length === 1 ? problems[0] : `${problems.length} problems:\n  - ${problems.join('\n  - ')}`);
}

/** A resource the service refused while ROS created it. */
export function createFailed(logicalId: string, type: string, reason: string): RosError {
  return new RosError('CREATE_FAILED', `Resource ${logicalId} (${type}) CREATE_FAILED: ${reason}`, logicalId);
}
