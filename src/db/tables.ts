// Row types of every table, for kysely. Projection tables are listed here too: projections
// own them, migrations create them, and a rebuild recreates them beside the live ones.
import type { ColumnType, Generated } from 'kysely';

type Int8 = ColumnType<number, number | bigint, number | bigint>;

export interface EventsTable {
  global_position: Int8;
  stream_id: string;
  stream_revision: Int8;
  event_id: string;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: unknown;
}

export interface StreamsTable {
  stream_id: string;
  revision: Int8;
}

export interface ProjectionCheckpointsTable {
  name: string;
  position: ColumnType<number, number | bigint | undefined, number | bigint>;
  status: ColumnType<'running' | 'failed', 'running' | 'failed' | undefined, 'running' | 'failed'>;
  failed_position: ColumnType<number | null, number | null | undefined, number | null>;
  error: ColumnType<string | null, string | null | undefined, string | null>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  fingerprint: string;
  status: number | null;
  body: unknown;
  created_at: Generated<Date>;
}

export interface NetworksTable {
  network_id: string;
  name: string;
  kind: string;
  revision: Int8;
  opened_at: string;
  updated_position: Int8;
}

export interface EventTypeCountsTable {
  type: string;
  count: Int8;
  last_position: Int8;
}

export interface Tables {
  events: EventsTable;
  streams: StreamsTable;
  projection_checkpoints: ProjectionCheckpointsTable;
  idempotency_keys: IdempotencyKeysTable;
  networks: NetworksTable;
  event_type_counts: EventTypeCountsTable;
}
