/**
 * ISO-8601 durations for the approval timeout. Only weeks, days, hours, minutes and seconds: a year
 * or a month has no fixed length in seconds, and the timeout becomes Step Functions' TimeoutSeconds.
 */

/** Shortest approval timeout: one minute (shorter leaves nobody the time to answer). */
export const MIN_APPROVAL_TIMEOUT_SECONDS = 60;
/** Longest approval timeout: a Standard execution lasts at most one year (365 days). */
export const MAX_APPROVAL_TIMEOUT_SECONDS = 31_536_000;

const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const UNITS = [604_800, 86_400, 3_600, 60, 1] as const;

/** The seconds of an ISO-8601 duration such as PT72H, P3D, PT90M or P1DT12H; undefined when it is not one. */
export function parseIsoDurationSeconds(text: string): number | undefined {
  const match = DURATION.exec(text);
  // `P` and `PT` alone match the pattern but name no amount.
  if (!match || text === 'P' || text.endsWith('T')) return undefined;
  let seconds = 0;
  UNITS.forEach((unit, i) => {
    const amount = match[i + 1];
    if (amount !== undefined) seconds += Number(amount) * unit;
  });
  return Number.isSafeInteger(seconds) ? seconds : undefined;
}

/** Why `text` cannot be an approval timeout, or undefined when it can. */
export function approvalTimeoutProblem(text: string): string | undefined {
  const seconds = parseIsoDurationSeconds(text);
  if (seconds === undefined)
    return `'${text}' is not an ISO-8601 duration of weeks, days, hours, minutes or seconds (e.g. PT72H, P3D, PT90M, P1DT12H)`;
  if (seconds < MIN_APPROVAL_TIMEOUT_SECONDS || seconds > MAX_APPROVAL_TIMEOUT_SECONDS)
    return `'${text}' is ${seconds} s; an approval timeout must be ${MIN_APPROVAL_TIMEOUT_SECONDS} s (PT1M) to ${MAX_APPROVAL_TIMEOUT_SECONDS} s (P365D), the longest a Standard execution runs`;
  return undefined;
}
