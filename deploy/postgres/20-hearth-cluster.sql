-- The cluster profile's read tables, checkpoints and leases.
CREATE DATABASE hearth_cluster OWNER hearth;
