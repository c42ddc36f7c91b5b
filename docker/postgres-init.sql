-- One database per instance. The apps also create their database when it is missing; this makes
-- the topology explicit and lets a read-only DBA role be granted ahead of time.
CREATE DATABASE mc_control;
CREATE DATABASE mc_exec_1;
CREATE DATABASE mc_exec_2;
