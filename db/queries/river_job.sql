-- name: RiverJobAvailableByQueue :many
-- Jobs ready to be worked in each of the queues and when the oldest became
-- due, for the workers' health check (River's fetch index covers it).
SELECT queue, count(*)::int AS available, min(scheduled_at)::timestamptz AS oldest_scheduled_at
FROM river_job
WHERE state = 'available' AND queue = ANY(@queues::text[]) AND scheduled_at <= now()
GROUP BY queue
ORDER BY queue;
