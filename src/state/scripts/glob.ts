// Redis glob matching inside scripts, for names that Redis cannot match for us (a TARGET against
// one VIP, a pattern within a byte-order range).

/**
 * Redis's glob (stringmatchlen in util.c) in Lua, byte for byte, so TARGET patterns mean what they
 * mean to KEYS and SCAN MATCH. Class ranges compare signed chars, as Redis does on x86 and ARM64 Linux.
 */
export const GLOB_LUA = `
local function glob_match(p, s)
  if p == '*' then return true end
  local plen, slen = #p, #s
  local skip_longer = false
  local function signed(b)
    if b and b >= 128 then return b - 256 end
    return b
  end
  local function match(pi, si, nesting)
    if nesting > 1000 then return false end
    while pi <= plen and si <= slen do
      local c = string.byte(p, pi)
      if c == 42 then
        while pi < plen and string.byte(p, pi + 1) == 42 do pi = pi + 1 end
        if pi == plen then return true end
        while si <= slen do
          if match(pi + 1, si, nesting + 1) then return true end
          if skip_longer then return false end
          si = si + 1
        end
        skip_longer = true
        return false
      elseif c == 63 then
        si = si + 1
      elseif c == 91 then
        pi = pi + 1
        local negate = string.byte(p, pi) == 94
        if negate then pi = pi + 1 end
        local matched = false
        local sc = string.byte(s, si)
        while true do
          local pc = string.byte(p, pi)
          if pc == 92 and plen - pi >= 1 then
            pi = pi + 1
            if string.byte(p, pi) == sc then matched = true end
          elseif pc == 93 then
            break
          elseif pi > plen then
            pi = pi - 1
            break
          elseif plen - pi >= 2 and string.byte(p, pi + 1) == 45 then
            local lo, hi, x = signed(pc), signed(string.byte(p, pi + 2)), signed(sc)
            if lo > hi then lo, hi = hi, lo end
            pi = pi + 2
            if x >= lo and x <= hi then matched = true end
          elseif pc == sc then
            matched = true
          end
          pi = pi + 1
        end
        if negate then matched = not matched end
        if not matched then return false end
        si = si + 1
      else
        if c == 92 and plen - pi >= 1 then
          pi = pi + 1
          c = string.byte(p, pi)
        end
        if c ~= string.byte(s, si) then return false end
        si = si + 1
      end
      pi = pi + 1
      if si > slen then
        while string.byte(p, pi) == 42 do pi = pi + 1 end
        break
      end
    end
    return pi > plen and si > slen
  end
  return match(1, 1, 0)
end
`;
