#include "examples/deposits/deposit_handler.hpp"

#include "domain/error.hpp"
#include "domain/uuid.hpp"
#include "kafka/wire_codec.hpp"
#include "logging/log.hpp"
#include "tracing/trace_log.hpp"

#include <limits>
#include <nlohmann/json.hpp>
#include <variant>

namespace semiasync::deposits {

namespace {

using json = nlohmann::json;

/// Largest amount of one movement, in cents, either way.
constexpr int64_t max_amount = 1'000'000'000'000;

/// Longest account or movement ID, in bytes (the columns hold 64).
constexpr size_t max_id_bytes = 64;

/// Reads the ID field `name` of `doc` into `out`, or says what is wrong.
std::optional<std::string> read_id(const json& doc, const char* name,
                                   std::string& out) {
  auto field = doc.find(name);
  if (field == doc.end() || !field->is_string())
    return std::string{"'"} + name + "' must be a string";
  out = field->get<std::string>();
  if (out.empty() || out.size() > max_id_bytes)
    return std::string{"'"} + name + "' must have 1 to 64 bytes";
  return std::nullopt;
}

/// The request a record carries, or why it carries none.
std::variant<deposit_request, std::string> parse(const wire_message& msg) {
  auto id = msg.header_value(request_uuid_header);
  if (!id || !is_canonical_uuid(*id))
    return "header 'requestUUID' is missing or not a lower-case UUID";
  auto doc = json::parse(msg.value, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return "the value is not a JSON object";
  deposit_request result{request_id{std::string{*id}}, {}, {}, 0};
  if (auto why = read_id(doc, "accountId", result.account_id)) return *why;
  if (auto why = read_id(doc, "depositId", result.deposit_id)) return *why;
  auto amount = doc.find("amount");
  if (amount == doc.end() || !amount->is_number_integer())
    return "'amount' must be a whole number of cents";
  // A count beyond int64 parses as unsigned: bounded before converting.
  if (amount->is_number_unsigned()
      && amount->get<uint64_t>() > static_cast<uint64_t>(max_amount))
    return "'amount' must be within +-10^12 cents";
  result.amount = amount->get<int64_t>();
  if (result.amount == 0 || result.amount < -max_amount
      || result.amount > max_amount)
    return "'amount' must be non-zero and within +-10^12 cents";
  return result;
}

/// The outcome record of `event_type` answering `request`.
wire_message outcome_record(const request_id& request, std::string key,
                            const std::string& event_type, std::string value) {
  return {
    std::move(key),
    std::move(value),
    {{request_uuid_header, request.value}, {event_type_header, event_type}}};
}

/// A `DepositRejected` answer: the request cannot be decided.
wire_message rejection(const request_id& request, std::string key,
                       error_code code, const std::string& detail) {
  json value{{"requestUUID", request.value},
             {"error", to_string(code)},
             {"detail", detail}};
  return outcome_record(
    request, std::move(key), "DepositRejected",
    value.dump(-1, ' ', false, json::error_handler_t::replace));
}

/// The verdict that publishes `out`.
verdict answer(const stored_outcome& out) {
  auto counts = out.event_type == "DepositAccepted" ? record_outcome::created
                : out.event_type == "DepositDuplicated"
                  ? record_outcome::duplicated
                  : record_outcome::rejected;
  return {outcome_record(out.request.request, out.request.account_id,
                         out.event_type, out.value),
          std::nullopt, counts};
}

/// A record that is no valid request: kept for a human in the dead-letter
/// topic, and answered when it names whose it is, so that client gets a
/// 4xx now instead of a 504 later.
verdict invalid(const kafka::record& rec, const std::string& why) {
  verdict result{std::nullopt, why, record_outcome::dead_lettered};
  if (auto id = salvage_request_id(rec.message)) {
    result.answer
      = rejection(*id, rec.message.key, error_code::malformed_record, why);
    result.counts_as = record_outcome::rejected;
  }
  return result;
}

bool same_request(const deposit_request& x, const deposit_request& y) {
  return x.account_id == y.account_id && x.deposit_id == y.deposit_id
         && x.amount == y.amount;
}

/// The rule, inside the transaction: the stored outcome of a request seen
/// before, else the decision on a new one, stored before it is answered.
caf::expected<stored_outcome> decide(deposit_repository& repo,
                                     const deposit_request& req) {
  // The account lock comes first: a concurrent delivery of the same request
  // waits here, then finds the outcome the first one stored.
  auto balance = repo.lock_account(req.account_id);
  if (!balance) return std::move(balance.error());
  auto stored = repo.find_outcome(req.request);
  if (!stored) return std::move(stored.error());
  if (*stored) {
    if (same_request((*stored)->request, req)) return std::move(**stored);
    return make_error(error_code::request_id_conflict,
                      "request ID already used for another deposit");
  }
  auto known = repo.has_deposit(req.account_id, req.deposit_id);
  if (!known) return std::move(known.error());
  json value{{"requestUUID", req.request.value},
             {"accountId", req.account_id},
             {"depositId", req.deposit_id}};
  stored_outcome out{req, "DepositDuplicated", {}};
  if (!*known) {
    value["amount"] = req.amount;
    // Balances never go below 0, so only a deposit can overflow one.
    bool too_much
      = req.amount > 0
        && *balance > std::numeric_limits<int64_t>::max() - req.amount;
    auto after = too_much ? *balance : *balance + req.amount;
    if (too_much || after < 0) {
      out.event_type = "DepositRefused";
      value["balance"] = *balance;
      value["reason"] = too_much ? "balance limit" : "insufficient funds";
    } else {
      if (auto err = repo.apply(req, after)) return err;
      out.event_type = "DepositAccepted";
      value["balance"] = after;
    }
  }
  out.value = value.dump();
  if (auto err = repo.store_outcome(out)) return err;
  return out;
}

/// Decides one record in its own transaction; fails only transiently.
caf::expected<verdict> decide_record(deposit_repository& repo,
                                     const kafka::record& rec) {
  auto parsed = parse(rec.message);
  if (auto why = std::get_if<std::string>(&parsed)) return invalid(rec, *why);
  auto& req = std::get<deposit_request>(parsed);
  if (auto err = repo.begin()) return err;
  auto out = decide(repo, req);
  if (out) {
    if (auto err = repo.commit()) return err;
    return answer(*out);
  }
  repo.rollback();
  auto code = code_of(out.error());
  if (is_transient(code)) return std::move(out.error());
  auto reason = reason_of(out.error());
  tracing::log_in(rec.trace, log_level::info, "deposits",
                  "rejecting " + kafka::position_of(rec) + ": " + reason,
                  req.request.value);
  // A reused request ID is the client's doing: the answer is all it needs.
  // Data the database refuses is also kept for a human.
  verdict result{rejection(req.request, req.account_id, code, reason),
                 std::nullopt, record_outcome::rejected};
  if (code != error_code::request_id_conflict)
    result.dead_letter_reason = reason;
  return result;
}

} // namespace

deposit_handler::deposit_handler(std::shared_ptr<deposit_repository> repo)
  : repo_(std::move(repo)) {
  // nop
}

handled_batch deposit_handler::handle(const record_batch& records) {
  handled_batch result;
  for (const kafka::record& rec : records) {
    auto decided = decide_record(*repo_, rec);
    if (!decided) {
      result.failure = std::move(decided.error());
      break;
    }
    result.verdicts.push_back(std::move(*decided));
  }
  return result;
}

} // namespace semiasync::deposits
