// The one table of config source plugins.
#include <mutex>

#include "config/sources.h"

namespace micro::config {

PluginTable<Source>& SourcePlugins() {
  static auto* table = new PluginTable<Source>("config source");
  return *table;
}

void RegisterBuiltinSources() {
  static std::once_flag once;
  std::call_once(once, [] { (void)SourcePlugins().Register("file", NewFileSourceFromUrl); });
}

}  // namespace micro::config
