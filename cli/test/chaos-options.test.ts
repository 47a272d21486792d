// The pure parts of the chaos suite: the seeded schedule replays, the options say what is wrong.
import { chaosOptions, ChaosOptionsError, FAULT_KINDS, FULL_SUITE, parseChaosArgs, proofKind, SeededRandom, SHORT_ROUND } from '../chaos';
import { streamSeed } from '../chaos/seeded-random';

describe('the chaos suite\'s seeded randomness', () => {
  const draw = (seed: number) => {
    const r = new SeededRandom(seed);
    return { order: r.shuffle(FAULT_KINDS), gaps: Array.from({ length: 8 }, () => r.int(750, 3000)), pick: r.pick(['a', 'b', 'c']) };
  };

  it('replays the same fault order, pauses and picks from the same seed', () => {
    expect(draw(20261125)).toEqual(draw(20261125));
  });

  it('draws another schedule from another seed', () => {
    expect(draw(1).order).not.toEqual(draw(2).order);
  });

  it('keeps every draw inside its bounds and every fault in a shuffle', () => {
    const r = new SeededRandom(7);
    for (let i = 0; i < 1000; i++) {
      const n = r.int(4, 20);
      expect(n >= 4 && n <= 20 && Number.isInteger(n)).toBe(true);
    }
    expect(r.shuffle(FAULT_KINDS).sort()).toEqual([...FAULT_KINDS].sort());
  });

  it('gives the fault schedule and each lane streams of their own', () => {
    const streams = [0, 1, 2, 3, 4].map((s) => streamSeed(42, s));
    expect(new Set(streams).size).toBe(5);
    expect(streamSeed(42, 3)).toBe(streams[3]);
  });

  it('refuses a seed that is not a 32-bit whole number', () => {
    expect(() => new SeededRandom(-1)).toThrow(RangeError);
    expect(() => new SeededRandom(1.5)).toThrow(RangeError);
  });
});

describe('the chaos suite\'s options', () => {
  it('takes the seed from --seed, else from PURSEFLOW_CHAOS_SEED', () => {
    expect(parseChaosArgs(['--seed', '99'], { PURSEFLOW_CHAOS_SEED: '5' }).seed).toBe(99);
    expect(parseChaosArgs([], { PURSEFLOW_CHAOS_SEED: '5' }).seed).toBe(5);
  });

  it('runs the full suite by default and the short round with --short', () => {
    expect(parseChaosArgs([], {})).toMatchObject({ rounds: FULL_SUITE.rounds, networkCutMs: FULL_SUITE.networkCutMs, faults: FAULT_KINDS });
    expect(parseChaosArgs(['--short'], {})).toMatchObject({ rounds: SHORT_ROUND.rounds, networkCutMs: SHORT_ROUND.networkCutMs });
    expect(chaosOptions({ short: true, seed: 1 }).rounds).toBe(1);
  });

  it('takes a subset of faults, rounds and the length of the network cut', () => {
    expect(parseChaosArgs(['--faults', 'network_cut,history_kill', '--rounds', '2', '--network-cut-s', '30'], {})).toMatchObject({
      faults: ['network_cut', 'history_kill'],
      rounds: 2,
      networkCutMs: 30_000,
    });
  });

  it.each([
    [['--faults', 'meteor_strike'], /meteor_strike is not a fault; choose from worker_kill/],
    [['--seed', 'abc'], /--seed abc is not a whole number/],
    [['--rounds'], /--rounds needs a value/],
    [['--fast'], /unknown option --fast/],
  ])('refuses %j and says what to write', (argv, message) => {
    expect(() => parseChaosArgs(argv, {})).toThrow(ChaosOptionsError);
    expect(() => parseChaosArgs(argv, {})).toThrow(message);
  });

  it('refuses a PURSEFLOW_CHAOS_SEED that is not a seed', () => {
    expect(() => parseChaosArgs([], { PURSEFLOW_CHAOS_SEED: 'x' })).toThrow(/PURSEFLOW_CHAOS_SEED x is not a whole number/);
  });
});

describe('the chaos figures', () => {
  it.each([
    ['MAC3 of CREDIT LOAD', 'mac3'],
    ['log record ATC 12 with MAC3 (read on reader chaos-acr30-0)', 'card_log_credit'],
    ['card log read on reader chaos-acr30-0: ATC_card 11 < ATC 12', 'card_log_no_credit'],
    ['CREDIT LOAD never reached reader chaos-acr30-0 (the task was not picked up)', 'credit_not_sent'],
    ['CREDIT LOAD was not sent: card_absent', 'credit_not_sent'],
    ['confirmation code from the pocket', 'confirmation_code'],
    ['fresh request code with the same ATC 12', 'fresh_request_code'],
  ])('counts the proof "%s" as %s', (proof, kind) => {
    expect(proofKind(proof)).toBe(kind);
  });
});
