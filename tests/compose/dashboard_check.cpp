#include "tests/compose/dashboard_check.hpp"

#include <cctype>
#include <functional>
#include <sstream>

namespace semiasync::dashboard_check {

namespace {

bool is_name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}

bool is_name_char(char c) {
  return is_name_start(c) || std::isdigit(static_cast<unsigned char>(c));
}

/// Reads text from `i` while `keep` holds.
template <class Keep>
std::string take(const std::string& text, std::size_t& i, Keep keep) {
  auto begin = i;
  while (i < text.size() && keep(text[i]))
    ++i;
  return text.substr(begin, i - begin);
}

void skip_space(const std::string& text, std::size_t& i) {
  take(text, i, [](char c) {
    return std::isspace(static_cast<unsigned char>(c));
  });
}

/// A quoted string starting at `i` (", ' or `), unescaped; `i` ends after it.
std::string quoted(const std::string& text, std::size_t& i) {
  char quote = text[i++];
  std::string out;
  while (i < text.size() && text[i] != quote) {
    if (text[i] == '\\' && quote != '`' && i + 1 < text.size()) ++i;
    out += text[i++];
  }
  ++i;
  return out;
}

} // namespace

exported exported_by(const std::string& exposition) {
  exported out;
  std::istringstream lines{exposition};
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::size_t i = 0;
    auto& labels = out[take(line, i, is_name_char)];
    if (i >= line.size() || line[i] != '{') continue;
    ++i;
    while (i < line.size() && line[i] != '}') {
      labels.insert(take(line, i, is_name_char));
      if (i < line.size() && line[i] == '=') ++i;
      if (i < line.size() && line[i] == '"') quoted(line, i);
      if (i < line.size() && line[i] == ',') ++i;
    }
  }
  return out;
}

promql_use uses_of(const std::string& expr) {
  static const std::set<std::string> label_lists{
    "by", "without", "on", "ignoring", "group_left", "group_right"};
  static const std::set<std::string> keywords{
    "and", "or", "unless", "bool", "offset", "inf", "nan", "atan2"};
  promql_use out;
  std::size_t i = 0;
  while (i < expr.size()) {
    char c = expr[i];
    if (c == '"' || c == '\'' || c == '`') {
      quoted(expr, i);
    } else if (c == '[') {
      i = expr.find(']', i);
      i = i == std::string::npos ? expr.size() : i + 1;
    } else if (c == '$') {
      ++i;
      if (i < expr.size() && expr[i] == '{') {
        i = expr.find('}', i);
        i = i == std::string::npos ? expr.size() : i + 1;
      } else {
        take(expr, i, is_name_char);
      }
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      take(expr, i, [](char d) {
        return std::isalnum(static_cast<unsigned char>(d)) || d == '.';
      });
    } else if (c == '{') {
      // Matchers: name op "value", ...
      ++i;
      for (;;) {
        skip_space(expr, i);
        if (i >= expr.size() || expr[i] == '}') break;
        auto label = take(expr, i, is_name_char);
        skip_space(expr, i);
        auto op = take(expr, i, [](char d) {
          return d == '=' || d == '!' || d == '~';
        });
        skip_space(expr, i);
        std::string value;
        if (i < expr.size()
            && (expr[i] == '"' || expr[i] == '\'' || expr[i] == '`'))
          value = quoted(expr, i);
        if (label.empty() || op.empty()) break; // not PromQL: stop reading it
        out.labels.insert(label);
        if (label == "job" && op == "=") out.jobs.insert(value);
        skip_space(expr, i);
        if (i < expr.size() && expr[i] == ',') ++i;
      }
      if (i < expr.size()) ++i;
    } else if (is_name_start(c)) {
      auto name = take(expr, i, is_name_char);
      auto after = i;
      skip_space(expr, after);
      // A function, or an aggregation: `sum(...)`, `sum by (l) (...)`.
      auto next = after;
      auto word = take(expr, next, is_name_char);
      bool call = (after < expr.size() && expr[after] == '(') || word == "by"
                  || word == "without";
      if (label_lists.count(name)) {
        if (!call) continue;
        i = after + 1;
        for (;;) {
          skip_space(expr, i);
          auto label = take(expr, i, is_name_char);
          if (!label.empty()) out.labels.insert(label);
          skip_space(expr, i);
          if (i < expr.size() && expr[i] == ',') {
            ++i;
            continue;
          }
          break;
        }
        if (i < expr.size() && expr[i] == ')') ++i;
      } else if (!call && !keywords.count(name)) {
        out.metrics.insert(name);
      }
    } else {
      ++i;
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>>
queries_of(const nlohmann::json& dashboard) {
  std::vector<std::pair<std::string, std::string>> out;
  std::function<void(const nlohmann::json&)> panels_of
    = [&](const nlohmann::json& node) {
        if (!node.is_object() || !node.contains("panels")) return;
        for (const auto& panel : node["panels"]) {
          auto title = panel.value("title", std::string{"(untitled)"});
          if (panel.contains("targets"))
            for (const auto& target : panel["targets"])
              if (target.contains("expr"))
                out.emplace_back(title, target.value("expr", ""));
          panels_of(panel);
        }
      };
  panels_of(dashboard);
  return out;
}

problems check_dashboard(const nlohmann::json& dashboard,
                         const std::map<std::string, std::string>& jobs,
                         const std::map<std::string, exported>& processes) {
  problems out;
  auto queries = queries_of(dashboard);
  if (queries.empty()) out.push_back("the dashboard has no queries");
  for (const auto& [title, expr] : queries) {
    auto fail = [&, title = title](const std::string& what) {
      out.push_back("panel '" + title + "': " + what);
    };
    auto use = uses_of(expr);
    if (use.metrics.empty()) fail("'" + expr + "' queries no metric");
    // Which processes the query can see: those of its jobs, or all.
    std::vector<std::string> seen;
    for (const auto& job : use.jobs) {
      auto found = jobs.find(job);
      if (found == jobs.end())
        fail("job '" + job + "' is no Prometheus scrape job");
      else
        seen.push_back(found->second);
    }
    if (use.jobs.empty())
      for (const auto& [process, samples] : processes)
        seen.push_back(process);
    std::set<std::string> labels{"job", "instance"};
    for (const auto& metric : use.metrics) {
      bool found = false;
      for (const auto& process : seen) {
        auto samples = processes.find(process);
        if (samples == processes.end()) continue;
        auto sample = samples->second.find(metric);
        if (sample == samples->second.end()) continue;
        found = true;
        labels.insert(sample->second.begin(), sample->second.end());
      }
      if (!found) {
        std::string where;
        for (const auto& process : seen)
          where += (where.empty() ? "" : " or ") + process;
        fail("metric " + metric + " is not exported by "
             + (where.empty() ? "any process" : where));
      }
    }
    for (const auto& label : use.labels)
      if (!labels.count(label))
        fail("label '" + label + "' is on none of the metrics of '" + expr
             + "'");
  }
  return out;
}

} // namespace semiasync::dashboard_check
