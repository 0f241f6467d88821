-- OAuth 2.0 client credentials: where to get tokens and for which scope. The client id is
-- kept in `username`; the client secret, like every secret, only in the system keyring.
ALTER TABLE providers ADD COLUMN token_url TEXT;
ALTER TABLE providers ADD COLUMN scope TEXT;
