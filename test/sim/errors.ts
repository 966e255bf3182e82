/** An HTTP answer the simulator gives instead of a result (Nova/Keystone error shapes). */
export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'SimHttpError';
  }
}

/** Nova's fault body key per status (nova/api/openstack/wsgi.py `_fault_names`). */
export function novaFaultBody(status: number, message: string): Record<string, unknown> {
  const names: Record<number, string> = {
    400: 'badRequest',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'itemNotFound',
    405: 'badMethod',
    409: 'conflictingRequest',
    413: 'overLimit',
    415: 'badMediaType',
    429: 'overLimit',
    501: 'notImplemented',
    503: 'serviceUnavailable',
  };
  return { [names[status] ?? 'computeFault']: { code: status, message } };
}

/** Keystone's error body. */
export function keystoneErrorBody(status: number, message: string): Record<string, unknown> {
  const titles: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' };
  return { error: { code: status, message, title: titles[status] ?? 'Internal Server Error' } };
}
