// semiasync_bench_topics: creates or deletes the benchmark's own topics, so
// each run starts without the backlog of earlier runs or tests.
//
// Usage: semiasync_bench_topics create|delete --brokers=127.0.0.1:9093
//          [--partitions=6] <topic>...

#include "kafka/admin.hpp"

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s create|delete --brokers=B "
                         "[--partitions=N] <topic>...\n", argv[0]);
    return 2;
  }
  std::string command = argv[1];
  std::string brokers = "127.0.0.1:9093";
  int partitions = 6;
  std::vector<std::string> topics;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--brokers=", 0) == 0) brokers = arg.substr(10);
    else if (arg.rfind("--partitions=", 0) == 0)
      partitions = std::stoi(arg.substr(13));
    else topics.push_back(arg);
  }
  std::string problem;
  if (command == "create")
    problem = semiasync::kafka::create_topics(brokers, topics, partitions);
  else if (command == "delete")
    problem = semiasync::kafka::delete_topics(brokers, topics);
  else problem = "unknown command " + command;
  if (!problem.empty()) {
    std::fprintf(stderr, "semiasync_bench_topics %s: %s\n", command.c_str(),
                 problem.c_str());
    return 1;
  }
  return 0;
}
