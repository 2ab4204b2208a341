// The race tests of the time bank, the care bank, pools, the co-op and learning vouchers again,
// with the event store committing one stream at a time, as EventStoreDB commits: every rule they
// race (a member's limit, one arrangement per post, a cap, a pool never below zero, one payment
// per passed vote, one redemption per session, never more than a voucher holds) holds when each
// command is a process of writes to one stream. The membership races run in both modes in
// test/access.race.test.ts.
process.env.HEARTH_RACE_COMMITS = 'one-stream';
await import('./timebank.race.test.ts');
await import('./timebank.answers.race.test.ts');
await import('./carebank.race.test.ts');
await import('./pools.race.test.ts');
await import('./coop.race.test.ts');
await import('./vouchers.race.test.ts');
