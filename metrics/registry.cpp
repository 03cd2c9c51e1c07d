#include "metrics/registry.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <variant>

namespace semiasync::metrics {

namespace {

/// A family's Prometheus type; the index into `type_names`.
enum family_type : int { counter_type, gauge_type, histogram_type };

constexpr const char* type_names[] = {"counter", "gauge", "histogram"};

/// Suffixes a histogram adds to its name in the exposition.
constexpr const char* histogram_suffixes[] = {"_bucket", "_sum", "_count"};

using callback = std::function<double()>;

/// One series: a stored instrument or a callback read at scrape time.
using series = std::variant<std::unique_ptr<counter>, std::unique_ptr<gauge>,
                            std::unique_ptr<histogram>, callback>;

[[noreturn]] void fail(const std::string& what) {
  throw std::invalid_argument("metrics: " + what);
}

/// Validated labels sorted by name, so that order does not make a series.
labels canonical(const std::string& metric, labels l, bool histogram_labels) {
  for (auto& [name, value] : l) {
    if (!text::valid_label_name(name))
      fail("invalid label name '" + name + "' on " + metric);
    if (histogram_labels && name == "le")
      fail("histogram " + metric + " cannot have a label named 'le'");
  }
  std::sort(l.begin(), l.end());
  auto same_name = [](const auto& x, const auto& y) {
    return x.first == y.first;
  };
  if (auto dup = std::adjacent_find(l.begin(), l.end(), same_name);
      dup != l.end())
    fail("label '" + dup->first + "' given twice on " + metric);
  return l;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size()
         && text.compare(text.size() - suffix.size(), suffix.size(), suffix)
              == 0;
}

/// `labels` plus a last `le` label, for a histogram's bucket lines.
labels with_le(labels l, double bound) {
  l.emplace_back("le", text::format_value(bound));
  return l;
}

} // namespace

struct registry::family {
  family_type type;
  std::string help;
  /// Histograms only: the bounds every series of the family shares.
  std::vector<double> bounds;
  std::map<labels, series> members;
};

registry::registry() = default;

registry::~registry() = default;

registry::family& registry::family_for(const std::string& name,
                                       const std::string& help, int type) {
  if (!text::valid_metric_name(name))
    fail("invalid metric name '" + name + "'");
  auto i = families_.find(name);
  if (i != families_.end()) {
    if (i->second->type != type)
      fail(name + " is a " + type_names[i->second->type] + ", not a "
           + type_names[type]);
    return *i->second;
  }
  // Names that would print the same sample lines as a histogram's.
  for (const char* suffix : histogram_suffixes) {
    if (type == histogram_type && families_.count(name + suffix))
      fail("histogram " + name + " collides with " + name + suffix);
    if (ends_with(name, suffix)) {
      auto base = name.substr(0, name.size() - std::string{suffix}.size());
      auto j = families_.find(base);
      if (j != families_.end() && j->second->type == histogram_type)
        fail(name + " collides with histogram " + base);
    }
  }
  auto fam = std::make_unique<family>();
  fam->type = static_cast<family_type>(type);
  fam->help = help;
  return *families_.emplace(name, std::move(fam)).first->second;
}

counter& registry::get_counter(const std::string& name, const std::string& help,
                               const labels& l) {
  auto key = canonical(name, l, false);
  std::lock_guard<std::mutex> guard{mutex_};
  auto& fam = family_for(name, help, counter_type);
  // A counter family holds only counters, so the found entry is one.
  auto i = fam.members.try_emplace(key, std::make_unique<counter>()).first;
  return *std::get<std::unique_ptr<counter>>(i->second);
}

gauge& registry::get_gauge(const std::string& name, const std::string& help,
                           const labels& l) {
  auto key = canonical(name, l, false);
  std::lock_guard<std::mutex> guard{mutex_};
  auto& fam = family_for(name, help, gauge_type);
  auto [i, added] = fam.members.try_emplace(key, std::make_unique<gauge>());
  if (!added && !std::holds_alternative<std::unique_ptr<gauge>>(i->second))
    fail(name + text::format_labels(key) + " is read by a callback");
  return *std::get<std::unique_ptr<gauge>>(i->second);
}

histogram& registry::get_histogram(const std::string& name,
                                   const std::string& help,
                                   std::vector<double> bounds,
                                   const labels& l) {
  auto key = canonical(name, l, true);
  // Validates and normalises the bounds before anything is stored.
  auto made = std::make_unique<histogram>(std::move(bounds));
  std::lock_guard<std::mutex> guard{mutex_};
  auto& fam = family_for(name, help, histogram_type);
  if (fam.members.empty())
    fam.bounds = made->bounds();
  else if (fam.bounds != made->bounds())
    fail("histogram " + name + " has other bounds already");
  auto i = fam.members.try_emplace(key, std::move(made)).first;
  return *std::get<std::unique_ptr<histogram>>(i->second);
}

void registry::add_gauge_callback(const std::string& name,
                                  const std::string& help,
                                  std::function<double()> read,
                                  const labels& l) {
  if (!read) fail("empty callback for " + name);
  auto key = canonical(name, l, false);
  std::lock_guard<std::mutex> guard{mutex_};
  auto& fam = family_for(name, help, gauge_type);
  auto i = fam.members.find(key);
  if (i == fam.members.end()) {
    fam.members.emplace(key, std::move(read));
    return;
  }
  if (!std::holds_alternative<callback>(i->second))
    fail(name + text::format_labels(key) + " is a stored gauge");
  i->second = std::move(read);
}

std::vector<std::pair<labels, uint64_t>>
registry::counter_values(const std::string& name) const {
  std::vector<std::pair<labels, uint64_t>> result;
  std::lock_guard<std::mutex> guard{mutex_};
  auto i = families_.find(name);
  if (i == families_.end() || i->second->type != counter_type) return result;
  for (const auto& [l, member] : i->second->members)
    if (auto* c = std::get_if<std::unique_ptr<counter>>(&member))
      result.emplace_back(l, (*c)->value());
  return result;
}

std::string registry::render() const {
  std::string out;
  auto sample = [&out](const std::string& name, const labels& l,
                       const std::string& value) {
    out += name;
    out += text::format_labels(l);
    out += ' ';
    out += value;
    out += '\n';
  };
  std::lock_guard<std::mutex> guard{mutex_};
  for (auto& [name, fam] : families_) {
    if (!fam->help.empty())
      out += "# HELP " + name + " " + text::escape_help(fam->help) + "\n";
    out += "# TYPE " + name + " " + type_names[fam->type] + "\n";
    for (auto& [key, member] : fam->members) {
      if (auto c = std::get_if<std::unique_ptr<counter>>(&member)) {
        sample(name, key, std::to_string((*c)->value()));
      } else if (auto g = std::get_if<std::unique_ptr<gauge>>(&member)) {
        sample(name, key, std::to_string((*g)->value()));
      } else if (auto read = std::get_if<callback>(&member)) {
        try {
          sample(name, key, text::format_value((*read)()));
        } catch (...) {
          // A broken reader costs its own line, not the whole scrape.
        }
      } else {
        auto& h = *std::get<std::unique_ptr<histogram>>(member);
        auto counts = h.bucket_counts();
        // The +Inf bucket and _count come from the same snapshot, so they
        // agree even while other threads observe.
        uint64_t cumulative = 0;
        for (size_t b = 0; b < h.bounds().size(); ++b) {
          cumulative += counts[b];
          sample(name + "_bucket", with_le(key, h.bounds()[b]),
                 std::to_string(cumulative));
        }
        cumulative += counts.back();
        sample(name + "_bucket",
               with_le(key, std::numeric_limits<double>::infinity()),
               std::to_string(cumulative));
        sample(name + "_sum", key, text::format_value(h.sum()));
        sample(name + "_count", key, std::to_string(cumulative));
      }
    }
  }
  return out;
}

} // namespace semiasync::metrics
