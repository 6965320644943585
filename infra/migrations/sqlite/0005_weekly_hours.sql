-- Weekly opening hours and closure dates, both in the workspace's own time zone.
--
-- weekly_hours: NULL means "every day opens_at-closes_at" (every row written before this
-- migration keeps that meaning). Otherwise a JSON object, one key per weekday, as the API
-- writes it: {"mon":["08:00","20:00"],...,"sun":null} (null: closed that day); opens_at and
-- closes_at then hold the week's earliest opening and latest closing, for readers of the old
-- columns.
-- closures: a JSON array of local dates ("2031-12-24") on which the workspace is closed all day.
ALTER TABLE workspaces ADD COLUMN weekly_hours TEXT;
ALTER TABLE workspaces ADD COLUMN closures TEXT NOT NULL DEFAULT '[]';
