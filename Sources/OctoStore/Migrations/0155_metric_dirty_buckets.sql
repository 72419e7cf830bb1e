-- Which of a dirty hour's twelve 5-minute buckets got samples (bit k: minutes 5k to 5k+4), so the
-- rollup recomputes those buckets rather than all twelve. With a poll a minute and maintenance every
-- minute, an hour gets one new sample per series per round; recomputing the whole hour aggregated about
-- thirty samples per new one. Marks written before this column (none survive a round) count as all twelve.
ALTER TABLE metric_dirty ADD COLUMN buckets integer NOT NULL DEFAULT 4095 CHECK (buckets BETWEEN 1 AND 4095);
