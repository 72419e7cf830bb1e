-- A stamp on each device row that changes whenever what the alert evaluation reads of it changes (name,
-- kind, POP, parent). The evaluation keeps a provider's device list between evaluations and reads again
-- only when the provider's (count, bit_xor, max) of stamps moved: a function of the committed rows, so a
-- change committed in any order is seen by the next evaluation. A sequence, not a per-provider counter
-- row, so that devices registered concurrently (an ACS storm) never wait on one another.
CREATE SEQUENCE device_topology_stamp;
GRANT USAGE ON SEQUENCE device_topology_stamp TO octoisp_app, octoisp_global;
ALTER TABLE devices ADD COLUMN topology_stamp bigint NOT NULL DEFAULT nextval('device_topology_stamp');

CREATE FUNCTION devices_topology_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.topology_stamp := nextval('device_topology_stamp');
    RETURN NEW;
END
$$;
-- Only the columns the evaluation reads: the pollers' status and last-seen updates leave the stamp alone.
CREATE TRIGGER devices_topology_stamp BEFORE UPDATE ON devices FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.kind IS DISTINCT FROM NEW.kind
          OR OLD.pop_id IS DISTINCT FROM NEW.pop_id OR OLD.parent_device_id IS DISTINCT FROM NEW.parent_device_id
          OR OLD.topology_stamp IS DISTINCT FROM NEW.topology_stamp)
    EXECUTE FUNCTION devices_topology_stamp();
