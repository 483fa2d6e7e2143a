/** One violated rule of a rejected request. */
export interface InvalidParameter {
  readonly field: string;
  readonly reason: string;
}

/** An RFC 7807 problem document as the control plane sends it (every member optional when read). */
export interface Problem {
  readonly type?: string;
  readonly title?: string;
  readonly status?: number;
  readonly detail?: string;
  readonly instance?: string;
  readonly invalidParameters?: readonly InvalidParameter[];
}

/** The problem in a parsed response body, or undefined when the body is not a problem document. */
export function parseProblem(body: unknown): Problem | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const o = body as Record<string, unknown>;
  if (typeof o['title'] !== 'string' && typeof o['detail'] !== 'string') return undefined;
  const text = (k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const params = Array.isArray(o['invalidParameters'])
    ? (o['invalidParameters'] as unknown[]).flatMap((p): InvalidParameter[] => {
        if (typeof p !== 'object' || p === null) return [];
        const { field, reason } = p as Record<string, unknown>;
        return [{ field: typeof field === 'string' && field !== '' ? field : '(request)', reason: typeof reason === 'string' ? reason : 'invalid' }];
      })
    : undefined;
  return {
    ...(text('type') !== undefined ? { type: text('type') } : {}),
    ...(text('title') !== undefined ? { title: text('title') } : {}),
    ...(typeof o['status'] === 'number' ? { status: o['status'] } : {}),
    ...(text('detail') !== undefined ? { detail: text('detail') } : {}),
    ...(text('instance') !== undefined ? { instance: text('instance') } : {}),
    ...(params !== undefined && params.length > 0 ? { invalidParameters: params } : {}),
  };
}

/** A failed response rendered for people: one summary line and one line per invalid field. */
export interface RenderedProblem {
  /** e.g. `Invalid Resource (400)`, or `Not Found (404): mesh 'x' not found` when no field is named. */
  readonly summary: string;
  /** `<field>: <reason>`, in the order the control plane listed them. */
  readonly fields: readonly string[];
}

/**
 * Renders an error response. With invalid parameters the summary is the title and status and each
 * field gets its own line (the detail only repeats them); otherwise the summary carries the detail.
 * A body that is no problem document (e.g. a proxy's HTML page) is shown as its first line.
 */
export function renderProblem(status: number, statusText: string, problem: Problem | undefined, body: string): RenderedProblem {
  if (problem === undefined) {
    const firstLine = body.trim().split('\n')[0]?.trim() ?? '';
    const excerpt = firstLine.length > 200 ? `${firstLine.slice(0, 200)}…` : firstLine;
    return { summary: `HTTP ${status}${statusText ? ` ${statusText}` : ''}${excerpt ? `: ${excerpt}` : ''}`, fields: [] };
  }
  const head = `${problem.title ?? statusText ?? 'Error'} (${status})`;
  const fields = (problem.invalidParameters ?? []).map((p) => `${p.field}: ${p.reason}`);
  if (fields.length > 0) return { summary: head, fields };
  return { summary: problem.detail ? `${head}: ${problem.detail}` : head, fields: [] };
}

/** An error response in one line for parentheses, e.g. `404 Not Found: no endpoint at /tokens/zone`. */
export function problemInOneLine(status: number, statusText: string, problem: Problem | undefined, body: string): string {
  const title = problem?.title ?? statusText;
  const detail = problem === undefined ? (body.trim().split('\n')[0] ?? '').slice(0, 200) : (problem.detail ?? '');
  return `${status}${title ? ` ${title}` : ''}${detail ? `: ${detail}` : ''}`;
}
