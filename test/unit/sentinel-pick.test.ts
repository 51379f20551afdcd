import { describe, expect, test } from 'vitest';
import { pickMaster, type SentinelAnswer } from '../../src/upstream/sentinel.js';

let nextSentinel = 26379;
function said(master: string, configEpoch: number, replicas = 2): SentinelAnswer {
  const [host, port] = master.split(':');
  return { sentinel: { host: '10.0.0.9', port: nextSentinel++ }, master: { host: host!, port: Number(port) }, configEpoch, replicas, flags: ['master'] };
}

function winner(answers: SentinelAnswer[], prefer?: string): string | null {
  const [host, port] = prefer?.split(':') ?? [];
  const picked = pickMaster(answers, prefer ? { host: host!, port: Number(port) } : null);
  return picked && `${picked.host}:${picked.port}`;
}

describe('pickMaster', () => {
  test('no answers, no master', () => {
    expect(pickMaster([])).toBeNull();
  });

  test('unanimous answer, with its votes, epoch and replicas', () => {
    expect(pickMaster([said('10.0.0.1:6379', 3, 2), said('10.0.0.1:6379', 3, 2)])).toEqual({
      host: '10.0.0.1',
      port: 6379,
      configEpoch: 3,
      replicas: 2,
      votes: 2,
    });
  });

  test('a higher config-epoch beats a majority on an older epoch', () => {
    // Two sentinels have not yet heard of the failover the third one completed.
    expect(winner([said('10.0.0.1:6379', 4), said('10.0.0.1:6379', 4), said('10.0.0.2:6379', 5)])).toBe('10.0.0.2:6379');
  });

  test('the group takes its highest epoch: one up-to-date voter lifts the address', () => {
    const picked = pickMaster([said('10.0.0.2:6379', 4), said('10.0.0.2:6379', 6, 1), said('10.0.0.1:6379', 5)]);
    expect(picked).toMatchObject({ host: '10.0.0.2', configEpoch: 6, replicas: 1, votes: 2 });
  });

  test('same epoch: the majority wins', () => {
    expect(winner([said('10.0.0.1:6379', 2), said('10.0.0.2:6379', 2), said('10.0.0.2:6379', 2)])).toBe('10.0.0.2:6379');
  });

  test('same epoch and votes: the preferred (current) master stays', () => {
    const answers = [said('10.0.0.1:6379', 2), said('10.0.0.2:6379', 2)];
    expect(winner(answers, '10.0.0.2:6379')).toBe('10.0.0.2:6379');
    expect(winner(answers, '10.0.0.1:6379')).toBe('10.0.0.1:6379');
  });

  test('a full tie without preference is decided the same way whatever the order', () => {
    const a = said('10.0.0.1:6379', 2);
    const b = said('10.0.0.2:6379', 2);
    expect(winner([a, b])).toBe(winner([b, a]));
  });

  test('port matters: same host, other port is another address', () => {
    expect(winner([said('10.0.0.1:6379', 1), said('10.0.0.1:6380', 1), said('10.0.0.1:6380', 1)])).toBe('10.0.0.1:6380');
  });

  test('preference does not beat a higher epoch or more votes', () => {
    expect(winner([said('10.0.0.1:6379', 1), said('10.0.0.2:6379', 2)], '10.0.0.1:6379')).toBe('10.0.0.2:6379');
    expect(winner([said('10.0.0.1:6379', 1), said('10.0.0.2:6379', 1), said('10.0.0.2:6379', 1)], '10.0.0.1:6379')).toBe('10.0.0.2:6379');
  });
});
