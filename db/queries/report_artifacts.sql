-- name: ArtifactInsert :exec
INSERT INTO report_artifacts (run_id, name, content_type, size_bytes, sha256, data)
VALUES (@run_id, @name, @content_type, @size_bytes, @sha256, @data)
ON CONFLICT (run_id, name) DO UPDATE
SET content_type = EXCLUDED.content_type, size_bytes = EXCLUDED.size_bytes,
    sha256 = EXCLUDED.sha256, data = EXCLUDED.data, created_at = now();

-- name: ArtifactList :many
SELECT id, run_id, name, content_type, size_bytes, sha256, created_at
FROM report_artifacts WHERE run_id = @run_id ORDER BY name;

-- name: ArtifactGet :one
SELECT * FROM report_artifacts WHERE run_id = @run_id AND name = @name;
