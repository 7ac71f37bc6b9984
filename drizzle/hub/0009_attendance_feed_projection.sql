-- Every path that inserts punches (kiosk sync, web clock, admin) feeds the projection queue and the
-- "who is in now" state through this one statement-level trigger, so no insert path needs its own
-- code for it. Statement-level with a transition table: a 500-event kiosk batch costs two grouped
-- upserts, not 500 row triggers.
CREATE FUNCTION attendance_events_feed_projection() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- Local dates in the org's zone, widened by a day each side: a site in another zone, or an
  -- overnight entry, can put the punch on the neighbouring local date. Ordered by key so two
  -- concurrent batches lock queue rows in the same order (no deadlock between ingests).
  INSERT INTO projection_queue AS q (org_id, employee_id, from_date, to_date, requested_at)
  SELECT n.org_id, n.employee_id,
         (min(n.occurred_at) AT TIME ZONE o.time_zone)::date - 1,
         (max(n.occurred_at) AT TIME ZONE o.time_zone)::date + 1,
         now()
    FROM new_events n
    JOIN organizations o ON o.id = n.org_id
   GROUP BY n.org_id, n.employee_id, o.time_zone
   ORDER BY n.org_id, n.employee_id
  ON CONFLICT (org_id, employee_id) DO UPDATE
     SET from_date = least(q.from_date, excluded.from_date),
         to_date = greatest(q.to_date, excluded.to_date),
         requested_at = excluded.requested_at;

  -- The newest event of the batch per employee moves the state only when it is newer than the
  -- state's own event (instant, then id: the projection's canonical order), so a punch delivered
  -- late by a kiosk that was offline cannot flip someone who has since clocked in again.
  INSERT INTO attendance_states AS s
         (org_id, employee_id, state, since, last_event_id, site_id, device_id, project_id, task_id, updated_at)
  SELECT DISTINCT ON (n.org_id, n.employee_id)
         n.org_id, n.employee_id,
         CASE n.type WHEN 'clock_out' THEN 'out' WHEN 'break_start' THEN 'on_break' ELSE 'in' END,
         n.occurred_at, n.id, n.site_id, n.device_id, n.project_id, n.task_id, now()
    FROM new_events n
   ORDER BY n.org_id, n.employee_id, n.occurred_at DESC, n.id DESC
  ON CONFLICT (org_id, employee_id) DO UPDATE
     SET state = excluded.state,
         since = excluded.since,
         last_event_id = excluded.last_event_id,
         site_id = excluded.site_id,
         device_id = excluded.device_id,
         -- Break punches carry no project: the timer keeps the one its clock-in started.
         project_id = CASE WHEN excluded.state = 'out' THEN NULL
                           ELSE coalesce(excluded.project_id, CASE WHEN s.state <> 'out' THEN s.project_id END) END,
         task_id = CASE WHEN excluded.state = 'out' THEN NULL
                        ELSE coalesce(excluded.task_id, CASE WHEN s.state <> 'out' THEN s.task_id END) END,
         updated_at = excluded.updated_at
   WHERE (excluded.since, excluded.last_event_id) > (s.since, s.last_event_id);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER attendance_events_feed_projection
  AFTER INSERT ON attendance_events
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION attendance_events_feed_projection();
