-- A tenant transaction may change its own provider's report settings (time zone and cover logo) and
-- nothing else of the row: a column grant on top of 0077's revocation. The providers_tenant policy
-- still limits the UPDATE to the tenant's own row.
GRANT UPDATE (time_zone, report_logo_png) ON providers TO octoisp_app;
