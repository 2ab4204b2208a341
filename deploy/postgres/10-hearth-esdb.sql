-- The eventstoredb profile's Hearth keeps its read tables apart: its projections follow another log.
CREATE DATABASE hearth_esdb OWNER hearth;
