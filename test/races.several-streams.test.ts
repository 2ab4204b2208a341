// The race tests of the time bank, the care bank, pools, the co-op and learning vouchers again,
// with the event store committing several streams at once, as PostgreSQL can: every rule they
// race (a member's limit, one arrangement per post, a cap, a pool never below zero, one payment
// per passed vote, one redemption per session, never more than a voucher holds) holds in that
// mode too. The rest of the suite commits one stream at a time, as EventStoreDB does; the
// membership races run in both modes in test/access.race.test.ts.
process.env.HEARTH_TEST_COMMITS = 'several-streams';
await import('./timebank.race.test.ts');
await import('./timebank.answers.race.test.ts');
await import('./carebank.race.test.ts');
await import('./pools.race.test.ts');
await import('./coop.race.test.ts');
await import('./vouchers.race.test.ts');
