-- Device tags and dynamic device groups (issue 12).
--
-- Tags are short labels on a device, matched with `tags @> ARRAY[tag]` (GIN index). A device group is
-- either static (members in device_group_members, as before) or dynamic: every device matching its
-- filter (vendor, model, pop_id, status, kind, tag), evaluated when read. Both tables keep the forced
-- tenant policy of 0001.

ALTER TABLE devices ADD COLUMN tags text[] NOT NULL DEFAULT '{}'
    CHECK (cardinality(tags) <= 32);
CREATE INDEX devices_tags ON devices USING gin (tags);

ALTER TABLE device_groups
    ADD COLUMN kind text NOT NULL DEFAULT 'static' CHECK (kind IN ('static', 'dynamic')),
    ADD COLUMN filter jsonb,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
    ADD CONSTRAINT device_groups_filter_kind CHECK ((kind = 'dynamic') = (filter IS NOT NULL)),
    ADD CONSTRAINT device_groups_description_length CHECK (description IS NULL OR length(description) <= 2000);
