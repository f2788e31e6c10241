import { describe, expect, it } from 'vitest';
import {
  approvalTimeoutProblem,
  MAX_APPROVAL_TIMEOUT_SECONDS,
  MIN_APPROVAL_TIMEOUT_SECONDS,
  parseIsoDurationSeconds,
} from '../../../src/core';

describe('parseIsoDurationSeconds', () => {
  it.each([
    ['PT72H', 259_200],
    ['P3D', 259_200],
    ['PT90M', 5_400],
    ['P1DT12H', 129_600],
    ['PT60S', 60],
    ['P2W', 1_209_600],
    ['P1DT1H1M1S', 90_061],
    ['P365D', 31_536_000],
  ])('reads %s as %i seconds', (text, seconds) => {
    expect(parseIsoDurationSeconds(text)).toBe(seconds);
  });

  it.each([
    '',
    'P',
    'PT',
    '72H',
    'P1Y',
    'P1M',
    'PT1.5H',
    'P1DT',
    'pt72h',
    'PT-1H',
    'P1H',
    'PT72H ',
  ])('refuses %j', (text) => {
    expect(parseIsoDurationSeconds(text)).toBeUndefined();
  });
});

describe('approvalTimeoutProblem', () => {
  it('accepts the bounds, 60 s and 365 days', () => {
    expect(MIN_APPROVAL_TIMEOUT_SECONDS).toBe(60);
    expect(MAX_APPROVAL_TIMEOUT_SECONDS).toBe(31_536_000);
    expect(approvalTimeoutProblem('PT1M')).toBeUndefined();
    expect(approvalTimeoutProblem('PT31536000S')).toBeUndefined();
  });

  it('refuses one second outside either bound, and a text that is no duration', () => {
    expect(approvalTimeoutProblem('PT59S')).toMatch(/is 59 s; an approval timeout must be 60 s/);
    expect(approvalTimeoutProblem('PT31536001S')).toMatch(/is 31536001 s/);
    expect(approvalTimeoutProblem('P1Y')).toMatch(/not an ISO-8601 duration .* \(e\.g\. PT72H/);
  });
});
