-- The payments still `authorised` (reserved, not yet settled): the sweep of payments left
-- half-way reads them every minute, and there are only ever a few of them.
CREATE INDEX currency_payments_authorised_idx ON currency_payments (updated_at_us) WHERE state = 'authorised';
