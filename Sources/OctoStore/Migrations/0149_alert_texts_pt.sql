-- The texts the alert evaluator writes, also in Portuguese: an alert's summary, the title of the
-- incident it opens and the system's entries in an incident's timeline. The English text stays in the
-- existing columns; readers pick by language (the dashboard by its locale, a channel by its language).
-- NULL for rows written before, which are shown in English.
ALTER TABLE alerts ADD COLUMN summary_pt text;
ALTER TABLE incidents ADD COLUMN title_pt text;
ALTER TABLE incident_events ADD COLUMN text_pt text;
