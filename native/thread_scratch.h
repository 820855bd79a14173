// Grow-only scratch arrays per thread, so steady-state kernel calls allocate nothing. Each owner
// type gets its own slots: a kernel that calls another (conv -> Winograd) never gets a buffer the
// callee also uses.
#pragma once
#include <cstddef>
#include <vector>

namespace ds {

template <class Owner, class T>
T* thread_scratch(int slot, size_t count) {
  thread_local std::vector<T> slots[3];
  std::vector<T>& s = slots[slot];
  if (s.size() < count) s.resize(count);
  return s.data();
}

}  // namespace ds
