#include "kafka/admin.hpp"

#include "kafka/admin_request.hpp"

#include <memory>

namespace semiasync::kafka {

namespace {

/// Admin calls of the tools wait this long for the broker: topic creation
/// on a cluster may take a while.
constexpr std::chrono::milliseconds tool_timeout{15000};

/// A client of `brokers` for admin calls, or null with the reason in `err`.
rd_owned<rd_kafka_t> client_of(const std::string& brokers, char* err,
                               size_t err_size) {
  auto* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err,
                        err_size)
      != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return nullptr;
  }
  rd_owned<rd_kafka_t> handle{
    rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, err_size)};
  // rd_kafka_new takes `conf` only when it succeeds.
  if (!handle) rd_kafka_conf_destroy(conf);
  return handle;
}

/// Runs one admin operation and returns the first error text, or empty.
/// `start` issues it; `results` extracts the per-topic results; `ignored` is
/// the per-topic error that means "already as wanted".
template <class Start, class Results>
std::string run_admin(const std::string& brokers, rd_kafka_admin_op_t op,
                      Start start, Results results,
                      rd_kafka_resp_err_t ignored) {
  char err[512];
  auto handle = client_of(brokers, err, sizeof(err));
  if (!handle) return err;
  auto answer
    = admin_request(handle.get(), op, tool_timeout, 2 * tool_timeout, start);
  if (!answer.event) return answer.error;
  const auto& event = answer.event;
  size_t count = 0;
  auto** topics = results(event.get(), &count);
  for (size_t i = 0; i < count; ++i) {
    auto code = rd_kafka_topic_result_error(topics[i]);
    if (code != RD_KAFKA_RESP_ERR_NO_ERROR && code != ignored)
      return std::string{rd_kafka_topic_result_name(topics[i])} + ": "
             + rd_kafka_topic_result_error_string(topics[i]);
  }
  return {};
}

/// True when the metadata names `topic` with `partitions` partitions, each
/// with a leader.
bool has_leaders(const rd_kafka_metadata_t& md, const std::string& topic,
                 int partitions) {
  for (int i = 0; i < md.topic_cnt; ++i) {
    const auto& t = md.topics[i];
    if (topic != t.topic) continue;
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR || t.partition_cnt < partitions)
      return false;
    for (int p = 0; p < t.partition_cnt; ++p)
      if (t.partitions[p].err != RD_KAFKA_RESP_ERR_NO_ERROR
          || t.partitions[p].leader < 0)
        return false;
    return true;
  }
  return false;
}

/// A created topic is usable only once every partition has a leader; before
/// that, clients fail with "not leader" (and the server refuses to start).
std::string wait_for_leaders(const std::string& brokers,
                             const std::vector<std::string>& topics,
                             int partitions) {
  char err[512];
  auto handle = client_of(brokers, err, sizeof(err));
  if (!handle) return err;
  for (int attempt = 0; attempt < 150; ++attempt) {
    const rd_kafka_metadata_t* md = nullptr;
    // All topics: asking for one by name could auto-create it.
    if (rd_kafka_metadata(handle.get(), 1, nullptr, &md, 5000)
        == RD_KAFKA_RESP_ERR_NO_ERROR) {
      bool ready = true;
      for (auto& t : topics)
        ready = ready && has_leaders(*md, t, partitions);
      rd_kafka_metadata_destroy(md);
      // Metadata names a leader before that broker serves the partition:
      // only an answered offset query proves it does.
      for (size_t t = 0; ready && t < topics.size(); ++t)
        for (int p = 0; ready && p < partitions; ++p) {
          int64_t low = 0, high = 0;
          ready = rd_kafka_query_watermark_offsets(
                    handle.get(), topics[t].c_str(), p, &low, &high, 2000)
                  == RD_KAFKA_RESP_ERR_NO_ERROR;
        }
      if (ready) return {};
    }
    rd_kafka_poll(handle.get(), 100);
  }
  return "partitions still without a leader after 15 s";
}

} // namespace

std::string create_topics(const std::string& brokers,
                          const std::vector<std::string>& topics,
                          int partitions) {
  char err[512];
  std::vector<rd_kafka_NewTopic_t*> specs;
  for (auto& t : topics) {
    // -1: the brokers' default.replication.factor (and min.insync.replicas),
    // so one call suits the single broker and a cluster alike.
    auto* spec
      = rd_kafka_NewTopic_new(t.c_str(), partitions, -1, err, sizeof(err));
    if (!spec) {
      rd_kafka_NewTopic_destroy_array(specs.data(), specs.size());
      return t + ": " + err;
    }
    specs.push_back(spec);
  }
  auto problem = run_admin(
    brokers, RD_KAFKA_ADMIN_OP_CREATETOPICS,
    [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* opts, rd_kafka_queue_t* q) {
      rd_kafka_CreateTopics(rk, specs.data(), specs.size(), opts, q);
    },
    [](rd_kafka_event_t* ev, size_t* n) {
      return rd_kafka_CreateTopics_result_topics(
        rd_kafka_event_CreateTopics_result(ev), n);
    },
    RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS);
  rd_kafka_NewTopic_destroy_array(specs.data(), specs.size());
  if (!problem.empty()) return problem;
  return wait_for_leaders(brokers, topics, partitions);
}

std::string partition_leaders(const std::string& brokers,
                              const std::string& topic,
                              std::vector<int>& leaders) {
  char err[512];
  auto handle = client_of(brokers, err, sizeof(err));
  if (!handle) return err;
  const rd_kafka_metadata_t* md = nullptr;
  // All topics: asking for one by name could auto-create it.
  auto code = rd_kafka_metadata(handle.get(), 1, nullptr, &md, 10000);
  if (code != RD_KAFKA_RESP_ERR_NO_ERROR) return rd_kafka_err2str(code);
  std::string problem = topic + ": no such topic";
  leaders.clear();
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    if (topic != t.topic) continue;
    problem.clear();
    leaders.assign(static_cast<size_t>(t.partition_cnt), -1);
    for (int p = 0; p < t.partition_cnt; ++p) {
      auto id = t.partitions[p].id;
      if (id >= 0 && id < t.partition_cnt)
        leaders[static_cast<size_t>(id)] = t.partitions[p].leader;
    }
  }
  rd_kafka_metadata_destroy(md);
  return problem;
}

std::string group_coordinator(const std::string& brokers,
                              const std::string& group, int& coordinator) {
  char err[512];
  auto handle = client_of(brokers, err, sizeof(err));
  if (!handle) return err;
  const char* groups[] = {group.c_str()};
  auto answer = admin_request(
    handle.get(), RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, tool_timeout,
    2 * tool_timeout,
    [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* opts, rd_kafka_queue_t* q) {
      rd_kafka_DescribeConsumerGroups(rk, groups, 1, opts, q);
    });
  if (!answer.event) return answer.error;
  const auto& event = answer.event;
  size_t count = 0;
  auto** found = rd_kafka_DescribeConsumerGroups_result_groups(
    rd_kafka_event_DescribeConsumerGroups_result(event.get()), &count);
  if (count != 1) return group + ": not described";
  if (const auto* problem = rd_kafka_ConsumerGroupDescription_error(found[0]))
    return group + ": " + rd_kafka_error_string(problem);
  const auto* node = rd_kafka_ConsumerGroupDescription_coordinator(found[0]);
  if (!node) return group + ": no coordinator";
  coordinator = rd_kafka_Node_id(node);
  return {};
}

std::string delete_topics(const std::string& brokers,
                          const std::vector<std::string>& topics) {
  std::vector<rd_kafka_DeleteTopic_t*> specs;
  for (auto& t : topics)
    specs.push_back(rd_kafka_DeleteTopic_new(t.c_str()));
  auto problem = run_admin(
    brokers, RD_KAFKA_ADMIN_OP_DELETETOPICS,
    [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* opts, rd_kafka_queue_t* q) {
      rd_kafka_DeleteTopics(rk, specs.data(), specs.size(), opts, q);
    },
    [](rd_kafka_event_t* ev, size_t* n) {
      return rd_kafka_DeleteTopics_result_topics(
        rd_kafka_event_DeleteTopics_result(ev), n);
    },
    RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
  rd_kafka_DeleteTopic_destroy_array(specs.data(), specs.size());
  return problem;
}

std::string add_partitions(const std::string& brokers, const std::string& topic,
                           int partitions) {
  char err[512];
  auto* spec = rd_kafka_NewPartitions_new(
    topic.c_str(), static_cast<size_t>(partitions), err, sizeof(err));
  if (!spec) return topic + ": " + err;
  auto problem = run_admin(
    brokers, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS,
    [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* opts, rd_kafka_queue_t* q) {
      rd_kafka_CreatePartitions(rk, &spec, 1, opts, q);
    },
    [](rd_kafka_event_t* ev, size_t* n) {
      return rd_kafka_CreatePartitions_result_topics(
        rd_kafka_event_CreatePartitions_result(ev), n);
    },
    RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_NewPartitions_destroy(spec);
  return problem;
}

} // namespace semiasync::kafka
