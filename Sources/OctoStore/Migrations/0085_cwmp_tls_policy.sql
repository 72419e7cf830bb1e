-- 0085: the CWMP transport policy of a provider.
-- A provider may refuse CWMP Basic authentication over plain HTTP: its CPEs then authenticate with
-- Basic only over the TLS listener, or with Digest.
ALTER TABLE providers ADD COLUMN cwmp_require_tls_for_basic boolean NOT NULL DEFAULT false;
