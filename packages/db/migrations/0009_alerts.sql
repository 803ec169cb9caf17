-- Filled by the service that owns these tables.
select 1;
