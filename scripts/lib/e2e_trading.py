"""The decision loop through the compose stack, driven with grpcurl as a user would.

A strategy with the three signal voters trades BTC-USDT on paper at binance-api:
decisions are stored with every vote; an approved decision becomes an order whose fill
reaches the portfolio, where cash and position equal the fills; risk-manager denies an
oversized order naming the rule; the kill switch halts trading and no order follows;
the audit log holds the decisions, the orders and the kill switch.

Usage: python3 e2e_trading.py TOKEN. Prints "ok ..." lines; exits non-zero naming what
failed. Ports are the catalog's.
"""

import json
import subprocess
import sys
import time
from decimal import Decimal

BINANCE_API = 50101
STRATEGY_ENGINE = 50118
PORTFOLIO = 50119
RISK = 50120
CONSENSUS = 50121
AUDIT = 50142

ACCOUNT = "e2e-strategy"
VENUE = "VENUE_BINANCE"
SYMBOL = "BTC-USDT"
VOTERS = ["momentum-trader", "mean-reversion", "breakout-trader"]

# The defaults suit minute candles; on 5 s candles the trend voters are made quick so
# that a trend shows within a few candles. Mean reversion keeps its defaults.
VOTER_PARAMS = {
    50113: {  # momentum-trader
        "roc_period": 3, "roc_threshold_pct": 0, "fast_period": 2, "slow_period": 5,
        "adx_period": 2, "adx_min": 0,
    },
    50115: {  # breakout-trader
        "channel_period": 3, "volume_period": 3, "volume_factor": 0, "atr_period": 3,
        "hold_atr": 0,
    },
}


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class Client:
    def __init__(self, token):
        self.token = token

    def call(self, port, method, body, allow_error=False):
        result = subprocess.run(
            ["grpcurl", "-plaintext", "-H", f"authorization: Bearer {self.token}",
             "-d", json.dumps(body), f"127.0.0.1:{port}", method],
            capture_output=True, text=True)
        if result.returncode != 0:
            if allow_error:
                return {"error": result.stderr.strip()}
            raise Failure(f"{method}: {result.stderr.strip()}")
        return json.loads(result.stdout or "{}")


def dec(value):
    """A quorum.common.v1.Decimal as JSON, or zero when unset."""
    return Decimal((value or {}).get("value", "0"))


def wait_until(limit, what, probe):
    deadline = time.time() + limit
    while True:
        found = probe()
        if found:
            return found
        check(time.time() < deadline, f"{what}: not within {limit} s")
        time.sleep(1)


def open_account(client, port=BINANCE_API, venue=VENUE, account=ACCOUNT):
    """Records a paper account's opening balances at a connector in the ledger, as a
    user funding an account would, and returns them."""
    balances = client.call(port, "quorum.exchange.v1.Exchange/GetBalances",
                           {"account": account}).get("balances", [])
    check(balances, f"no paper balances for {account} at {venue}")
    opening = {}
    for balance in balances:
        amount = dec(balance.get("free")) + dec(balance.get("locked"))
        opening[balance["asset"]] = amount
        client.call(PORTFOLIO, "quorum.trading.v1.PortfolioService/RecordTransfer", {
            "transfer_id": f"{account}-opening-{balance['asset']}", "account": account,
            "venue": venue, "asset": balance["asset"], "amount": {"value": str(amount)},
            "memo": "opening balance"})
    return opening


def voters_registered(client):
    def probe():
        voters = client.call(CONSENSUS, "quorum.ai.v1.ConsensusService/ListVoters", {})
        names = {v["name"] for v in voters.get("voters", []) if v.get("enabled")}
        return set(VOTERS) <= names
    wait_until(60, "the three signal services registered as voters", probe)
    for port, values in VOTER_PARAMS.items():
        client.call(port, "quorum.trading.v1.SignalSource/SetParams", {"values": values})
    print("ok  momentum-trader, mean-reversion and breakout-trader are registered voters")


def start_strategy(client):
    spec = {
        "name": "e2e btc consensus", "voters": VOTERS, "symbol": SYMBOL, "venue": VENUE,
        "interval": "5s", "account": ACCOUNT, "capital": {"value": "10000"},
        "sizing": {"method": "SIZING_FIXED_FRACTION", "fraction": 0.05},
        # Three equal voters at the default 0.85 would need all three to agree, and a
        # trend follower and a mean reverter rarely do: this strategy asks for two.
        "threshold": 0.66, "lookback": 60,
    }
    strategy = client.call(STRATEGY_ENGINE,
                           "quorum.trading.v1.StrategyEngineService/CreateStrategy",
                           {"spec": spec})["strategy"]
    strategy_id = strategy["strategyId"]
    client.call(STRATEGY_ENGINE, "quorum.trading.v1.StrategyEngineService/StartStrategy",
                {"strategy_id": strategy_id})
    print(f"ok  strategy {strategy_id} created and started")
    return strategy_id


def runs_of(client, strategy_id):
    runs, page_token = [], ""
    while True:
        page = client.call(STRATEGY_ENGINE, "quorum.trading.v1.StrategyEngineService/ListRuns",
                           {"strategy_id": strategy_id,
                            "page": {"page_size": 500, "page_token": page_token}})
        runs += page.get("runs", [])
        page_token = page.get("nextPageToken", "")
        if not page_token:
            return runs


def first_order(client, strategy_id, limit):
    def probe():
        placed = [r for r in runs_of(client, strategy_id)
                  if r.get("outcome") == "RUN_OUTCOME_ORDER_PLACED"]
        return placed[-1] if placed else None
    try:
        run = wait_until(limit, "an approved decision placed as an order", probe)
    except Failure:
        outcomes = {}
        for r in runs_of(client, strategy_id):
            outcomes[r.get("outcome")] = outcomes.get(r.get("outcome"), 0) + 1
        status = client.call(STRATEGY_ENGINE, "quorum.trading.v1.StrategyEngineService/GetStrategy",
                             {"strategy_id": strategy_id})
        raise Failure(f"no order within {limit} s; runs by outcome {outcomes}; "
                      f"strategy {json.dumps(status)[:1500]}")
    hops = run.get("hopMicros", {})
    print(f"ok  run {run['runId']} placed {run['side']} {dec(run['quantity'])} at "
          f"{dec(run['price'])}: order {run['orderId']}, hops (µs) {hops}")
    return run


def decisions_carry_every_vote(client, strategy_id, order_run):
    runs = [r for r in runs_of(client, strategy_id) if r.get("decisionId")]
    check(runs, "no run carries a decision")
    for run in runs:
        decision = client.call(CONSENSUS, "quorum.ai.v1.ConsensusService/GetDecision",
                               {"decision_id": run["decisionId"]})["decision"]
        rounds = decision.get("rounds", [])
        check(rounds, f"decision {run['decisionId']} has no rounds")
        voters = {vote["voter"] for vote in rounds[0].get("votes", [])}
        check(voters == set(VOTERS), f"decision {run['decisionId']} votes of {sorted(voters)}")
        for vote in rounds[0]["votes"]:
            ballot = vote.get("ballot", {})
            evidence = ballot.get("evidence", {})
            check(vote.get("status") == "VOTE_STATUS_ANSWERED",
                  f"{vote['voter']} did not answer: {vote}")
            check(ballot.get("rationale"), f"{vote['voter']} gave no rationale")
            check(SYMBOL in evidence.get("symbols", []),
                  f"{vote['voter']}'s evidence does not name {SYMBOL}: {evidence}")
    approved = client.call(CONSENSUS, "quorum.ai.v1.ConsensusService/GetDecision",
                           {"decision_id": order_run["decisionId"]})["decision"]
    check(approved.get("approved"), f"the order's decision is not approved: {approved}")
    wanted = {"SIDE_BUY": "DECISION_BUY", "SIDE_SELL": "DECISION_SELL"}[order_run["side"]]
    check(approved.get("decision") == wanted,
          f"order {order_run['side']} from decision {approved.get('decision')}")
    listed = client.call(CONSENSUS, "quorum.ai.v1.ConsensusService/ListDecisions",
                         {"symbol": SYMBOL, "page": {"page_size": 500}}).get("decisions", [])
    listed_ids = {d["decisionId"] for d in listed}
    check({r["decisionId"] for r in runs} <= listed_ids, "ListDecisions misses decisions")
    print(f"ok  {len(runs)} decisions stored, each with the votes and evidence of all three "
          f"voters; the order's decision: {approved['decision']} at agreement "
          f"{approved['agreement']:.3f} >= {approved['threshold']}")


def orders_of(client, strategy_id):
    orders = []
    for run in runs_of(client, strategy_id):
        if run.get("orderId"):
            orders.append(client.call(BINANCE_API, "quorum.exchange.v1.Exchange/GetOrder",
                                      {"order_id": run["orderId"], "account": ACCOUNT})["order"])
    return orders


def expected_balances(opening, orders):
    """What the fills say the account holds."""
    base, quote = SYMBOL.split("-")
    balances = dict(opening)
    for order in orders:
        for fill in order.get("fills", []):
            quantity, price = dec(fill["quantity"]), dec(fill["price"])
            sign = 1 if fill["side"] == "SIDE_BUY" else -1
            balances[base] = balances.get(base, Decimal(0)) + sign * quantity
            balances[quote] = balances.get(quote, Decimal(0)) - sign * quantity * price
            asset = fill.get("feeAsset") or quote
            balances[asset] = balances.get(asset, Decimal(0)) - dec(fill.get("fee"))
    return balances


def portfolio_matches_fills(client, strategy_id, opening):
    """With the strategy stopped (a run in flight may still finish), the ledger equals
    the fills and the venue's balances; retried while the last fill travels."""
    client.call(STRATEGY_ENGINE, "quorum.trading.v1.StrategyEngineService/StopStrategy",
                {"strategy_id": strategy_id})
    base = SYMBOL.split("-")[0]
    last = {"problem": "not checked"}

    def probe():
        orders = orders_of(client, strategy_id)
        want = expected_balances(opening, orders)
        portfolio = client.call(PORTFOLIO, "quorum.trading.v1.PortfolioService/GetPortfolio",
                                {"account": ACCOUNT, "venue": VENUE})["portfolio"]
        have = {b["asset"]: dec(b.get("quantity")) for b in portfolio.get("balances", [])}
        differing = {a: (str(have.get(a)), str(w)) for a, w in want.items()
                     if have.get(a, Decimal(0)) != w}
        net = want[base] - opening.get(base, Decimal(0))
        positions = client.call(PORTFOLIO, "quorum.trading.v1.PortfolioService/GetPositions",
                                {"account": ACCOUNT, "venue": VENUE, "symbol": SYMBOL})
        position = dec(next(iter(positions.get("positions", [])), {}).get("quantity"))
        reconcile = client.call(PORTFOLIO, "quorum.trading.v1.PortfolioService/Reconcile",
                                {"account": ACCOUNT, "venue": VENUE})
        if differing or position != net or not reconcile.get("matched"):
            last["problem"] = (f"ledger (have, fills say) {differing}; position {position} "
                               f"against {net}; Reconcile {reconcile}")
            return None
        return orders, have, net
    try:
        orders, have, net = wait_until(30, "the fills in the portfolio", probe)
    except Failure as failure:
        raise Failure(f"{failure}: {last['problem']}") from None
    filled = [o for o in orders if o.get("fills")]
    check(filled, f"no order of the strategy filled: {orders}")
    print(f"ok  {sum(len(o['fills']) for o in filled)} fills of {len(filled)} orders in the "
          f"portfolio: {base} position {net}, balances "
          + ", ".join(f"{a} {have[a]}" for a in sorted(have))
          + "; Reconcile with binance-api matched")
    client.call(STRATEGY_ENGINE, "quorum.trading.v1.StrategyEngineService/StartStrategy",
                {"strategy_id": strategy_id})


def oversized_order_denied(client, price):
    intent = {"account": ACCOUNT, "venue": VENUE, "symbol": SYMBOL, "side": "SIDE_BUY",
              "quantity": {"value": "1000"}, "price": {"value": str(price)},
              "client_order_id": "e2e-oversized", "origin": "e2e"}
    answer = client.call(RISK, "quorum.trading.v1.RiskService/CheckOrder", {"order": intent})
    check(not answer.get("approved"), f"an order of 1000 BTC was approved: {answer}")
    check("max_order_notional" in answer.get("deniedBy", []),
          f"oversized order denied by {answer.get('deniedBy')}, not max_order_notional")
    rule = next(r for r in answer["rules"] if r.get("rule") == "max_order_notional")
    print(f"ok  an order of 1000 BTC is denied by {answer['deniedBy']}: {rule.get('message')}")


def kill_switch_halts(client, strategy_id):
    halted = client.call(RISK, "quorum.trading.v1.RiskService/SetTradingState",
                         {"state": "TRADING_STATE_HALTED", "reason": "e2e: kill switch"})
    check(halted.get("state") == "TRADING_STATE_HALTED", f"SetTradingState: {halted}")
    halted_ms = int(time.time() * 1000)
    before = {r["runId"] for r in runs_of(client, strategy_id)}

    # Keep the trend voters' signals coming; wait until runs after the halt reached the
    # checks, or 90 s passed.
    def probe():
        after = [r for r in runs_of(client, strategy_id)
                 if r["runId"] not in before and int(r.get("startedUnixMs", 0)) > halted_ms]
        placed = [r for r in after if r.get("orderId") or r.get("clientOrderId")]
        check(not placed, f"an order followed the kill switch: {placed}")
        denied = [r for r in after if r.get("outcome") == "RUN_OUTCOME_RISK_DENIED"]
        return (after, denied) if denied or len(after) >= 12 else None
    after, denied = wait_until(90, "runs after the kill switch", probe)
    for run in denied:
        check("HALTED" in run.get("detail", "") or "trading_state" in run.get("detail", ""),
              f"denied after the halt for another reason: {run.get('detail')}")
    print(f"ok  kill switch: {len(after)} runs after the halt, {len(denied)} denied by the "
          "trading state, no order placed")


def audit_holds_the_loop(client):
    counts = {}
    for action in ("consensus.decide", "strategy.order", "risk.trading_state"):
        records = client.call(AUDIT, "quorum.audit.v1.AuditService/Query",
                              {"action": action, "page_size": 1000}).get("records", [])
        check(records, f"the audit log has no {action} record")
        counts[action] = len(records)
    chain = client.call(AUDIT, "quorum.audit.v1.AuditService/VerifyChain", {})
    check(chain.get("valid"), f"VerifyChain after the loop: {chain}")
    print(f"ok  audit log holds {counts}; the chain of {chain.get('checkedRecords')} "
          "records verifies")


def main(token):
    client = Client(token)
    opening = open_account(client)
    print(f"ok  {ACCOUNT} opened in the ledger: "
          + ", ".join(f"{asset} {amount}" for asset, amount in sorted(opening.items())))
    voters_registered(client)
    strategy_id = start_strategy(client)
    started = time.time()
    order_run = first_order(client, strategy_id, 180)
    print(f"ok  first order {time.time() - started:.0f} s after the start")
    decisions_carry_every_vote(client, strategy_id, order_run)
    portfolio_matches_fills(client, strategy_id, opening)
    oversized_order_denied(client, dec(order_run["price"]))
    kill_switch_halts(client, strategy_id)
    audit_holds_the_loop(client)


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except Failure as failure:
        print(f"decision loop: {failure}", file=sys.stderr)
        sys.exit(1)
