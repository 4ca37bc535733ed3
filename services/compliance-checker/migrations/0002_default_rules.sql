-- The rules a new installation starts with, as version 1 of each. Change them with
-- PutRule (a new version); this migration runs once, so it never overwrites them.

INSERT INTO rules (rule_id, version, kind, enabled, parameters, description, changed_by, changed_at_ms)
VALUES
    ('restricted-symbols', 1, 'restricted_symbols', TRUE,
     '{"symbols": ""}',
     'Symbols no account may trade (none by default).',
     'system', (extract(epoch FROM now()) * 1000)::BIGINT),
    ('account-limits', 1, 'account_limits', TRUE,
     '{"max_order_quantity": "1000000", "max_order_notional": "10000000", "max_orders_per_day": "10000"}',
     'Largest order quantity and notional, and most orders placed per UTC day, per account.',
     'system', (extract(epoch FROM now()) * 1000)::BIGINT),
    ('wash-trade', 1, 'wash_trade', TRUE,
     '{"window_ms": "60000"}',
     'No order that would trade against the account''s own resting order, or reverse its own fill within a minute.',
     'system', (extract(epoch FROM now()) * 1000)::BIGINT),
    ('spoofing', 1, 'spoofing', TRUE,
     '{"min_notional": "100000", "cancel_within_ms": "2000", "max_fast_cancels": "5", "window_ms": "600000"}',
     'No new orders from an account that cancelled more than 5 large orders (notional 100000 or more) within 2 s of placing them in the last 10 minutes.',
     'system', (extract(epoch FROM now()) * 1000)::BIGINT),
    ('account-status', 1, 'account_status', TRUE,
     '{}',
     'Only ACTIVE accounts may trade.',
     'system', (extract(epoch FROM now()) * 1000)::BIGINT);
