-- A provider's own certificate authority (PEM), for servers whose certificate is not signed by a
-- publicly trusted one. Not a secret: certificates are public.
ALTER TABLE providers ADD COLUMN ca_pem TEXT;
