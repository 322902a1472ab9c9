// The SQLite trace store (trace_store.h). One connection behind a mutex: writes are
// serialized by SQLite anyway, and each Append is one transaction. Two tables:
//   spans   one row per span, indexed for the searches (service, operation, time, errors);
//   traces  one row per trace: its summary (what search results show) and its arrival order
//           (seq), which is the eviction order.
// Totals (spans, bytes) are summed from `traces` at open and kept in memory after.
#include <sqlite3.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <sstream>
#include <tuple>
#include <unordered_map>

#include "platform/traces/dependency_graph.h"
#include "platform/traces/trace_store.h"

namespace micro::platform::traces {

namespace {

constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS traces(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  trace_id TEXT NOT NULL UNIQUE,
  root_service TEXT NOT NULL,
  root_name TEXT NOT NULL,
  has_root INTEGER NOT NULL,
  start_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL,
  span_count INTEGER NOT NULL,
  error_count INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  services TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS traces_start ON traces(start_ns);
CREATE TABLE IF NOT EXISTS spans(
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  parent_span_id TEXT NOT NULL,
  service TEXT NOT NULL,
  scope TEXT NOT NULL,
  name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  start_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL,
  duration_ns INTEGER NOT NULL,
  status_code INTEGER NOT NULL,
  status_message TEXT NOT NULL,
  attributes TEXT NOT NULL,
  events TEXT NOT NULL,
  resource TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS spans_id ON spans(trace_id, span_id);
CREATE INDEX IF NOT EXISTS spans_start ON spans(start_ns);
CREATE INDEX IF NOT EXISTS spans_service ON spans(service, start_ns);
CREATE INDEX IF NOT EXISTS spans_operation ON spans(service, name, start_ns);
CREATE INDEX IF NOT EXISTS spans_error ON spans(start_ns) WHERE status_code = 2;
CREATE TABLE IF NOT EXISTS operations(
  service TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY(service, name)) WITHOUT ROWID;
)sql";

constexpr const char* kSpanColumns =
    "trace_id, span_id, parent_span_id, service, scope, name, kind, start_ns, end_ns, "
    "status_code, status_message, attributes, events, resource";

// A prepared statement; Bind* by 1-based index, Step() until it returns false.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) {
      error_ = sqlite3_errmsg(db);
    }
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Bind(int i, const std::string& v) {
    if (stmt_) sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    if (stmt_) sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  // A row is ready (true), or done / failed (false: see status()).
  bool Step() {
    if (!stmt_) return false;
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) error_ = sqlite3_errmsg(db_);
    return false;
  }
  Status Run() {
    while (Step()) {
    }
    return status();
  }
  void Reset() {
    if (stmt_) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }
  Status status() const {
    return error_.empty() ? Status() : Status::Unavailable("trace store (SQLite): " + error_);
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, sqlite3_column_bytes(stmt_, col)) : std::string();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string error_;
};

Status Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    return Status::Unavailable("trace store (SQLite): " + message);
  }
  return {};
}

Span SpanFromRow(const Stmt& row) {
  Span s;
  s.trace_id = row.Text(0);
  s.span_id = row.Text(1);
  s.parent_span_id = row.Text(2);
  s.service = row.Text(3);
  s.scope = row.Text(4);
  s.name = row.Text(5);
  s.kind = static_cast<int>(row.Int(6));
  s.start_ns = static_cast<uint64_t>(row.Int(7));
  s.end_ns = static_cast<uint64_t>(row.Int(8));
  s.status_code = static_cast<int>(row.Int(9));
  s.status_message = row.Text(10);
  s.attributes = row.Text(11);
  s.events = row.Text(12);
  s.resource = row.Text(13);
  return s;
}

std::string JoinLines(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : "\n") + s;
  return out;
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// traces columns in this order: trace_id, root_service, root_name, has_root, start_ns, end_ns,
// span_count, error_count, services.
constexpr const char* kTraceColumns =
    "trace_id, root_service, root_name, has_root, start_ns, end_ns, span_count, error_count, "
    "services";

TraceSummary SummaryFromRow(const Stmt& row) {
  TraceSummary t;
  t.trace_id = row.Text(0);
  t.root_service = row.Text(1);
  t.root_name = row.Text(2);
  t.has_root = row.Int(3) != 0;
  t.start_ns = static_cast<uint64_t>(row.Int(4));
  t.end_ns = static_cast<uint64_t>(row.Int(5));
  t.span_count = static_cast<size_t>(row.Int(6));
  t.error_count = static_cast<size_t>(row.Int(7));
  t.services = SplitLines(row.Text(8));
  return t;
}

class SqliteTraceStore : public TraceStore {
 public:
  SqliteTraceStore(sqlite3* db, SqliteTraceStoreOptions options)
      : db_(db), options_(std::move(options)) {}
  ~SqliteTraceStore() override { sqlite3_close_v2(db_); }

  Status Init() {
    std::lock_guard lock(mu_);
    sqlite3_busy_timeout(db_, 5000);
    // WAL: readers (another connection, a backup) never block the writer; NORMAL sync loses at
    // most the last transactions on power loss, never consistency.
    if (Status s = Exec(db_, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"); !s.ok()) {
      return s;
    }
    if (Status s = Exec(db_, kSchema); !s.ok()) return s;
    {
      Stmt version(db_, "SELECT value FROM meta WHERE key = 'schema_version'");
      if (version.Step()) {
        if (version.Text(0) != std::to_string(kSchemaVersion)) {
          return Status::Unavailable("trace store " + options_.path + " has schema version " +
                                     version.Text(0) + ", this platform reads version " +
                                     std::to_string(kSchemaVersion));
        }
      } else {
        if (Status s = version.status(); !s.ok()) return s;
        Stmt set(db_, "INSERT INTO meta(key, value) VALUES('schema_version', ?)");
        if (Status s = set.Bind(1, std::to_string(kSchemaVersion)).Run(); !s.ok()) return s;
      }
    }
    Stmt totals(db_,
                "SELECT COUNT(*), COALESCE(SUM(span_count), 0), COALESCE(SUM(bytes), 0) "
                "FROM traces");
    if (!totals.Step()) return totals.status();
    traces_ = static_cast<uint64_t>(totals.Int(0));
    spans_ = static_cast<uint64_t>(totals.Int(1));
    bytes_ = static_cast<uint64_t>(totals.Int(2));
    // Caps lowered since the file was written apply now.
    if (Status s = Exec(db_, "BEGIN IMMEDIATE"); !s.ok()) return s;
    Totals t{traces_, spans_, bytes_, 0};
    Status s = EvictLocked(t);
    if (s.ok()) s = Exec(db_, "COMMIT");
    if (!s.ok()) {
      (void)Exec(db_, "ROLLBACK");
      return s;
    }
    Commit(t);
    return {};
  }

  // TraceStore
  Result<AppendResult> Append(std::vector<Span> spans) override {
    AppendResult result;
    if (spans.empty()) return result;
    // Group by trace, keeping the order spans came in.
    std::vector<std::string> order;
    std::unordered_map<std::string, std::vector<Span*>> groups;
    for (auto& s : spans) {
      auto& g = groups[s.trace_id];
      if (g.empty()) order.push_back(s.trace_id);
      g.push_back(&s);
    }
    std::lock_guard lock(mu_);
    if (Status s = Exec(db_, "BEGIN IMMEDIATE"); !s.ok()) return s;
    Totals t{traces_, spans_, bytes_, 0};
    Status s = AppendLocked(order, groups, t, result);
    if (s.ok()) s = EvictLocked(t);
    if (s.ok()) s = Exec(db_, "COMMIT");
    if (!s.ok()) {
      (void)Exec(db_, "ROLLBACK");
      return s;
    }
    Commit(t);
    dropped_spans_ += result.dropped;
    return result;
  }

  Result<std::vector<Span>> GetTrace(const std::string& trace_id) override {
    std::lock_guard lock(mu_);
    Stmt q(db_, std::string("SELECT ") + kSpanColumns +
                    " FROM spans WHERE trace_id = ? ORDER BY start_ns, rowid");
    q.Bind(1, trace_id);
    std::vector<Span> spans;
    while (q.Step()) spans.push_back(SpanFromRow(q));
    if (Status s = q.status(); !s.ok()) return s;
    if (spans.empty()) return Status::NotFound("trace " + trace_id + " not found");
    return spans;
  }

  Result<std::vector<TraceSummary>> Search(const TraceQuery& query) override {
    std::string where;
    std::vector<std::pair<bool, std::string>> args;  // (is_int, value)
    auto add = [&](const std::string& cond, std::pair<bool, std::string> arg) {
      where += (where.empty() ? "" : " AND ") + cond;
      args.push_back(std::move(arg));
    };
    if (!query.service.empty()) add("service = ?", {false, query.service});
    if (!query.operation.empty()) add("name = ?", {false, query.operation});
    if (query.min_duration_ns != 0) {
      add("duration_ns >= ?", {true, std::to_string(ClampI64(query.min_duration_ns))});
    }
    if (query.start_from_ns != 0) {
      add("start_ns >= ?", {true, std::to_string(ClampI64(query.start_from_ns))});
    }
    if (query.start_to_ns != 0) {
      add("start_ns < ?", {true, std::to_string(ClampI64(query.start_to_ns))});
    }
    if (query.errors_only) where += std::string(where.empty() ? "" : " AND ") + "status_code = 2";
    std::string sql = std::string("SELECT ") + kTraceColumns + " FROM traces";
    if (!where.empty())
      sql += " WHERE trace_id IN (SELECT trace_id FROM spans WHERE " + where + ")";
    sql += " ORDER BY start_ns DESC, trace_id LIMIT ?";

    std::lock_guard lock(mu_);
    Stmt q(db_, sql);
    int i = 1;
    for (const auto& [is_int, value] : args) {
      if (is_int) {
        q.Bind(i++, static_cast<int64_t>(std::stoll(value)));
      } else {
        q.Bind(i++, value);
      }
    }
    q.Bind(i, static_cast<int64_t>(std::min<size_t>(query.limit, 1u << 30)));
    std::vector<TraceSummary> out;
    while (q.Step()) out.push_back(SummaryFromRow(q));
    if (Status s = q.status(); !s.ok()) return s;
    return out;
  }

  Result<DependencyGraph> Dependencies(uint64_t from_ns, uint64_t to_ns) override {
    int64_t from = from_ns == 0 ? 0 : ClampI64(from_ns);
    int64_t to = to_ns == 0 ? INT64_MAX : ClampI64(to_ns);
    DependencyGraphBuilder builder;
    std::lock_guard lock(mu_);
    {
      Stmt services(db_, "SELECT DISTINCT service FROM spans WHERE start_ns >= ? AND start_ns < ?");
      services.Bind(1, from).Bind(2, to);
      while (services.Step()) builder.AddService(services.Text(0));
      if (Status s = services.status(); !s.ok()) return s;
    }
    // Every span with its parent, where the two belong to different services.
    Stmt calls(
        db_,
        "SELECT p.service, p.kind, p.start_ns, p.end_ns, p.status_code, "
        "       c.service, c.kind, c.start_ns, c.end_ns, c.status_code "
        "FROM spans c JOIN spans p ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id "
        "WHERE c.start_ns >= ? AND c.start_ns < ? AND c.parent_span_id != '' "
        "  AND p.service != c.service");
    calls.Bind(1, from).Bind(2, to);
    while (calls.Step()) {
      Span parent, child;
      parent.service = calls.Text(0);
      parent.kind = static_cast<int>(calls.Int(1));
      parent.start_ns = static_cast<uint64_t>(calls.Int(2));
      parent.end_ns = static_cast<uint64_t>(calls.Int(3));
      parent.status_code = static_cast<int>(calls.Int(4));
      child.service = calls.Text(5);
      child.kind = static_cast<int>(calls.Int(6));
      child.start_ns = static_cast<uint64_t>(calls.Int(7));
      child.end_ns = static_cast<uint64_t>(calls.Int(8));
      child.status_code = static_cast<int>(calls.Int(9));
      builder.AddCall(parent, child);
    }
    if (Status s = calls.status(); !s.ok()) return s;
    return builder.Build();
  }

  Result<std::vector<ServiceOperations>> Services() override {
    std::lock_guard lock(mu_);
    Stmt q(db_, "SELECT service, name FROM operations ORDER BY service, name");
    std::vector<ServiceOperations> out;
    while (q.Step()) {
      std::string service = q.Text(0);
      if (out.empty() || out.back().service != service) out.push_back({service, {}});
      out.back().operations.push_back(q.Text(1));
    }
    if (Status s = q.status(); !s.ok()) return s;
    return out;
  }

  TraceStoreStats Stats() override {
    std::lock_guard lock(mu_);
    return {.traces = traces_,
            .spans = spans_,
            .bytes = bytes_,
            .evicted_traces = evicted_traces_,
            .dropped_spans = dropped_spans_};
  }

 private:
  // Totals inside a transaction; they replace the members only once it committed.
  struct Totals {
    uint64_t traces, spans, bytes, evicted;
  };
  void Commit(const Totals& t) {
    traces_ = t.traces;
    spans_ = t.spans;
    bytes_ = t.bytes;
    evicted_traces_ += t.evicted;
  }

  static int64_t ClampI64(uint64_t v) {
    return static_cast<int64_t>(std::min<uint64_t>(v, static_cast<uint64_t>(INT64_MAX)));
  }

  Status AppendLocked(const std::vector<std::string>& order,
                      std::unordered_map<std::string, std::vector<Span*>>& groups, Totals& t,
                      AppendResult& result) {
    Stmt find(db_,
              std::string("SELECT ") + kTraceColumns + ", bytes FROM traces WHERE trace_id = ?");
    Stmt insert_span(db_, std::string("INSERT OR IGNORE INTO spans(") + kSpanColumns +
                              ", duration_ns) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    Stmt insert_op(db_, "INSERT OR IGNORE INTO operations(service, name) VALUES(?, ?)");
    Stmt insert_trace(db_,
                      "INSERT INTO traces(root_service, root_name, has_root, start_ns, end_ns, "
                      "span_count, error_count, bytes, services, trace_id) "
                      "VALUES(?,?,?,?,?,?,?,?,?,?)");
    Stmt update_trace(db_,
                      "UPDATE traces SET root_service = ?, root_name = ?, has_root = ?, "
                      "start_ns = ?, end_ns = ?, span_count = ?, error_count = ?, bytes = ?, "
                      "services = ? WHERE trace_id = ?");
    for (Stmt* s : {&find, &insert_span, &insert_op, &insert_trace, &update_trace}) {
      if (Status st = s->status(); !st.ok()) return st;
    }
    std::set<std::pair<std::string, std::string>> ops;
    for (const auto& trace_id : order) {
      find.Reset();
      find.Bind(1, trace_id);
      TraceSummary summary;
      int64_t bytes = 0;
      bool existed = find.Step();
      if (Status s = find.status(); !s.ok()) return s;
      if (existed) {
        summary = SummaryFromRow(find);
        bytes = find.Int(9);
      }
      size_t stored = 0;
      for (Span* span : groups[trace_id]) {
        if (summary.span_count >= options_.max_spans_per_trace) {
          ++result.dropped;
          continue;
        }
        insert_span.Reset();
        insert_span.Bind(1, span->trace_id)
            .Bind(2, span->span_id)
            .Bind(3, span->parent_span_id)
            .Bind(4, span->service)
            .Bind(5, span->scope)
            .Bind(6, span->name)
            .Bind(7, static_cast<int64_t>(span->kind))
            .Bind(8, ClampI64(span->start_ns))
            .Bind(9, ClampI64(span->end_ns))
            .Bind(10, static_cast<int64_t>(span->status_code))
            .Bind(11, span->status_message)
            .Bind(12, span->attributes)
            .Bind(13, span->events)
            .Bind(14, span->resource)
            .Bind(15, ClampI64(span->duration_ns()));
        if (Status s = insert_span.Run(); !s.ok()) return s;
        if (sqlite3_changes(db_) == 0) {
          ++result.duplicates;
          continue;
        }
        summary.Add(*span);
        size_t b = span->ApproxBytes();
        bytes += static_cast<int64_t>(b);
        t.bytes += b;
        ++t.spans;
        ++stored;
        ops.emplace(span->service, span->name);
      }
      if (stored == 0) continue;
      result.stored += stored;
      Stmt& write = existed ? update_trace : insert_trace;
      write.Reset();
      write.Bind(1, summary.root_service)
          .Bind(2, summary.root_name)
          .Bind(3, static_cast<int64_t>(summary.has_root))
          .Bind(4, ClampI64(summary.start_ns))
          .Bind(5, ClampI64(summary.end_ns))
          .Bind(6, static_cast<int64_t>(summary.span_count))
          .Bind(7, static_cast<int64_t>(summary.error_count))
          .Bind(8, bytes)
          .Bind(9, JoinLines(summary.services))
          .Bind(10, trace_id);
      if (Status s = write.Run(); !s.ok()) return s;
      if (!existed) {
        ++t.traces;
        result.new_traces.push_back(trace_id);
      }
    }
    for (const auto& [service, name] : ops) {
      insert_op.Reset();
      if (Status s = insert_op.Bind(1, service).Bind(2, name).Run(); !s.ok()) return s;
    }
    return {};
  }

  // Deletes the oldest traces until the caps hold.
  Status EvictLocked(Totals& t) {
    while (t.spans > options_.max_spans || t.bytes > options_.max_bytes) {
      Stmt oldest(db_, "SELECT trace_id, span_count, bytes FROM traces ORDER BY seq LIMIT 64");
      std::vector<std::tuple<std::string, uint64_t, uint64_t>> victims;
      uint64_t spans = t.spans, bytes = t.bytes;
      while ((spans > options_.max_spans || bytes > options_.max_bytes) && oldest.Step()) {
        victims.emplace_back(oldest.Text(0), oldest.Int(1), oldest.Int(2));
        spans -= std::min<uint64_t>(spans, oldest.Int(1));
        bytes -= std::min<uint64_t>(bytes, oldest.Int(2));
      }
      if (Status s = oldest.status(); !s.ok()) return s;
      oldest.Reset();
      if (victims.empty()) break;  // totals out of step with the tables: nothing left to delete
      Stmt del_spans(db_, "DELETE FROM spans WHERE trace_id = ?");
      Stmt del_trace(db_, "DELETE FROM traces WHERE trace_id = ?");
      for (const auto& [id, n, b] : victims) {
        del_spans.Reset();
        if (Status s = del_spans.Bind(1, id).Run(); !s.ok()) return s;
        del_trace.Reset();
        if (Status s = del_trace.Bind(1, id).Run(); !s.ok()) return s;
        t.spans -= std::min<uint64_t>(t.spans, n);
        t.bytes -= std::min<uint64_t>(t.bytes, b);
        t.traces -= std::min<uint64_t>(t.traces, 1);
        ++t.evicted;
      }
    }
    return {};
  }

  sqlite3* db_;
  const SqliteTraceStoreOptions options_;
  std::mutex mu_;
  uint64_t traces_ = 0;
  uint64_t spans_ = 0;
  uint64_t bytes_ = 0;
  uint64_t evicted_traces_ = 0;
  uint64_t dropped_spans_ = 0;
};

}  // namespace

Result<std::unique_ptr<TraceStore>> OpenSqliteTraceStore(SqliteTraceStoreOptions options) {
  if (options.path.empty()) return Status::InvalidArgument("trace store: empty database path");
  options.max_spans = std::max<uint64_t>(options.max_spans, 1);
  options.max_spans_per_trace =
      std::clamp<size_t>(options.max_spans_per_trace, 1, static_cast<size_t>(options.max_spans));
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(options.path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Status::Unavailable("trace store: cannot open " + options.path + ": " + message);
  }
  auto store = std::make_unique<SqliteTraceStore>(db, options);
  if (Status s = store->Init(); !s.ok()) {
    return Status::Unavailable("trace store " + options.path + ": " + s.message());
  }
  return std::unique_ptr<TraceStore>(std::move(store));
}

}  // namespace micro::platform::traces
