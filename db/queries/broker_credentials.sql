-- name: BrokerCredentialUpsert :one
INSERT INTO broker_credentials (user_id, broker, key_id, secret_sealed, paper, base_url)
VALUES (@user_id, @broker, @key_id, @secret_sealed, @paper, sqlc.narg('base_url'))
ON CONFLICT (user_id, broker) DO UPDATE SET key_id = EXCLUDED.key_id, secret_sealed = EXCLUDED.secret_sealed,
    paper = EXCLUDED.paper, base_url = EXCLUDED.base_url, updated_at = now()
RETURNING *;

-- name: BrokerCredentialGet :one
SELECT * FROM broker_credentials WHERE user_id = @user_id AND broker = @broker;

-- name: BrokerCredentialList :many
SELECT * FROM broker_credentials WHERE user_id = @user_id ORDER BY broker;

-- name: BrokerCredentialDelete :execrows
DELETE FROM broker_credentials WHERE user_id = @user_id AND broker = @broker;
