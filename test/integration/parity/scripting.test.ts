// Lua scripts (EVAL, EVAL_RO, EVALSHA, SCRIPT) and functions (FUNCTION, FCALL, FCALL_RO):
// every Lua-to-RESP conversion, error replies with their script references, library handling.

import { bulkReply, parity, times, type Case, type Command } from './harness.js';

const evalOf = (script: string, ...rest: (string | number)[]): Command => ['EVAL', script, ...(rest.length ? rest : [0])];

const SHA_OF_RETURN_1 = 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db'; // sha1("return 1")

const scripts: Case[] = [
  {
    name: 'EVAL return types: nil, integers, floats, strings, booleans',
    request: [evalOf('return nil'), evalOf('return 42'), evalOf('return -7'), evalOf('return 3.99'), evalOf('return -0.5'), evalOf("return 'hello'"), evalOf("return ''"), evalOf('return true'), evalOf('return false'), evalOf('return 1e20'), evalOf("return tostring(0.1)")],
  },
  {
    name: 'EVAL return types: tables, nesting, holes, hash parts',
    request: [evalOf('return {}'), evalOf("return {1, 'two', {3, {4}}, false, true}"), evalOf('return {1, 2, nil, 4}'), evalOf("return {a = 1, b = 2}"), evalOf("return {1, 2, a = 3}"), evalOf("return {1.5, 2.9, -3.1}"), evalOf("return {{}, {{}}}")],
  },
  {
    name: 'status and error tables, redis.status_reply, redis.error_reply',
    request: [
      evalOf("return {ok = 'FINE'}"),
      evalOf("return redis.status_reply('GOOD')"),
      evalOf("return {err = 'My Error'}"),
      evalOf("return redis.error_reply('MYCODE something failed')"),
      evalOf("return redis.error_reply('')"),
      evalOf("return redis.error_reply('line\\r\\nbreak')"),
      evalOf("return redis.status_reply('st\\r\\natus')"),
      evalOf("return {err = 'inner'}, 1"),
      evalOf("return {1, {err = 'nested error'}, {ok = 'nested ok'}}"),
    ],
  },
  {
    name: 'redis.call and redis.pcall replies converted back',
    request: [
      'RPUSH l a b c',
      'HSET h f v',
      evalOf("return redis.call('LRANGE', KEYS[1], 0, -1)", 1, 'l'),
      evalOf("return redis.call('HGETALL', KEYS[1])", 1, 'h'),
      evalOf("return redis.call('GET', 'missing')"),
      evalOf("return redis.call('SET', 'k', 'v')"),
      evalOf("return redis.call('INCR', 'n')"),
      evalOf("return redis.pcall('INCR', 'l')"),
      evalOf("local r = redis.pcall('INCR', 'l'); return type(r) .. ':' .. r.err"),
      evalOf("return redis.call('MGET', 'k', 'missing')"),
      evalOf("return type(redis.call('GET', 'missing'))"),
      evalOf("return redis.call('EXISTS', 'k') == 1"),
    ],
  },
  {
    name: 'script errors carry the script reference',
    request: [
      evalOf("return redis.call('INCR', 'l')"),
      'RPUSH l a',
      evalOf("return redis.call('INCR', 'l')"),
      evalOf("return redis.call('NOSUCH')"),
      evalOf("return redis.call('MULTI')"),
      evalOf("return redis.call()"),
      evalOf('return x.y'),
      evalOf('x = 1'),
      evalOf('return +'),
      evalOf("error('plain error')"),
      evalOf("error({err = 'TABLEERR from error'})"),
      evalOf("return redis.call('SUBSCRIBE', 'c')"),
      evalOf('return os.time()'),
      evalOf("return loadstring('return 1')()"),
    ],
  },
  { name: 'EVAL numkeys errors', request: ['EVAL "return 1" -1', 'EVAL "return 1" 2 a', 'EVAL "return 1" x', 'EVAL "return 1"', 'EVAL', 'EVAL "return KEYS[1]..ARGV[1]" 1 k'] },
  {
    name: 'KEYS and ARGV with binary values',
    request: [evalOf('return {KEYS[1], ARGV[1], #ARGV[1]}', 1, 'k\r\n', '\x00\xff'), ['EVAL', 'return ARGV', 0, Buffer.from([0, 1, 2]), '', '\r\n'], evalOf('return KEYS', 3, 'a', 'b', 'c', 'd')],
  },
  {
    name: 'EVAL_RO and read-only scripts',
    request: ['SET k v', ['EVAL_RO', "return redis.call('GET', KEYS[1])", 1, 'k'], ['EVAL_RO', "return redis.call('SET', KEYS[1], 'x')", 1, 'k'], ['EVAL', "#!lua flags=no-writes\nreturn redis.call('SET', KEYS[1], 'x')", 1, 'k'], ['EVAL', "#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])", 1, 'k'], ['EVAL', '#!lua flags=bogus\nreturn 1', 0], ['EVAL', '#!nope\nreturn 1', 0], 'GET k'],
  },
  {
    name: 'EVALSHA, EVALSHA_RO, SCRIPT LOAD and EXISTS',
    request: [
      ['EVALSHA', SHA_OF_RETURN_1, 0],
      ['SCRIPT', 'EXISTS', SHA_OF_RETURN_1, 'ffffffffffffffffffffffffffffffffffffffff'],
      ['SCRIPT', 'LOAD', 'return 1'],
      ['SCRIPT', 'EXISTS', SHA_OF_RETURN_1, 'ffffffffffffffffffffffffffffffffffffffff', SHA_OF_RETURN_1.toUpperCase()],
      ['EVALSHA', SHA_OF_RETURN_1, 0],
      ['EVALSHA', SHA_OF_RETURN_1.toUpperCase(), 0],
      ['EVALSHA_RO', SHA_OF_RETURN_1, 0],
      ['EVALSHA', 'short', 0],
      ['SCRIPT', 'LOAD', 'return +'],
      ['SCRIPT', 'FLUSH'],
      ['SCRIPT', 'EXISTS', SHA_OF_RETURN_1],
      ['SCRIPT', 'FLUSH', 'ASYNC'],
      ['SCRIPT', 'FLUSH', 'NOPE'],
    ],
  },
  { name: 'EVAL registers the script for EVALSHA', request: [evalOf('return 1'), ['EVALSHA', SHA_OF_RETURN_1, 0], ['SCRIPT', 'EXISTS', SHA_OF_RETURN_1]] },
  { name: 'SCRIPT KILL, DEBUG, HELP, unknown subcommand', request: ['SCRIPT KILL', 'SCRIPT DEBUG NO', 'SCRIPT DEBUG MAYBE', 'SCRIPT HELP', 'SCRIPT NOPE', 'SCRIPT'] },
  {
    name: 'Lua libraries: cjson, cmsgpack, bit, struct, sha1hex',
    request: [
      evalOf("return cjson.encode({1, 2, {a = 'b'}})"),
      evalOf("return cjson.decode('[1,2,3,{\"x\":4}]')[4].x"),
      evalOf("return cmsgpack.pack({1, 2, 'three'})"),
      evalOf("return cmsgpack.unpack(cmsgpack.pack({1, 'x'}))"),
      evalOf('return bit.band(0xff, 0x0f) + bit.lshift(1, 4)'),
      evalOf("return struct.pack('>I2', 258)"),
      evalOf("return redis.sha1hex('')"),
      evalOf("return redis.sha1hex('return 1')"),
      evalOf('return redis.REDIS_VERSION_NUM ~= nil'),
      evalOf("return string.format('%.3f', 1/3)"),
    ],
  },
  {
    name: 'redis.setresp(3) conversions seen by a RESP2 client',
    request: [
      'HSET h a 1 b 2',
      'SADD s 7',
      'ZADD z 1.5 m',
      evalOf("redis.setresp(3); return redis.call('HGETALL', 'h')"),
      evalOf("redis.setresp(3); return redis.call('SMEMBERS', 's')"),
      evalOf("redis.setresp(3); return redis.call('ZSCORE', 'z', 'm')"),
      evalOf("redis.setresp(3); return redis.call('GET', 'missing')"),
      evalOf('return {double = 3.14}'),
      evalOf('return {map = {a = 1}}'),
      evalOf('redis.setresp(4)'),
    ],
  },
  { name: 'redis.log, breakpoint, replicate_commands, set_repl', request: [evalOf("return redis.log(redis.LOG_WARNING, 'from a parity test')"), evalOf('return redis.breakpoint()'), evalOf('return redis.replicate_commands()'), evalOf('redis.set_repl(redis.REPL_ALL); return 1'), evalOf('redis.set_repl(99)')] },
  { name: 'math.random is seeded the same for every script', request: [evalOf('return math.random(1000000)'), evalOf('return {math.random(), math.random(10)}')] },
  { name: 'a script returning 10 000 elements', request: [evalOf('local t = {} for i = 1, 10000 do t[i] = i end return t')] },
  { name: 'a script writing 1000 keys', request: [evalOf("for i = 1, 1000 do redis.call('SET', 'key:' .. i, i) end return redis.call('DBSIZE')"), 'GET key:500', 'DBSIZE'] },
];

const LIB = "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return redis.call('GET', keys[1]) end)";
const LIB_RO = "#!lua name=rolib\nredis.register_function{function_name='ro', callback=function(keys, args) return redis.call('GET', keys[1]) end, flags={'no-writes'}}";
const LIB_W = "#!lua name=wlib\nredis.register_function('w', function(keys, args) return redis.call('SET', keys[1], args[1]) end)";

const functions: Case[] = [
  {
    name: 'FUNCTION LOAD, FCALL, LOAD again, REPLACE',
    request: ['SET k v', ['FUNCTION', 'LOAD', LIB], ['FCALL', 'myfunc', 1, 'k'], ['FUNCTION', 'LOAD', LIB], ['FUNCTION', 'LOAD', 'REPLACE', LIB], ['FCALL', 'myfunc', 1, 'missing'], ['FCALL', 'nosuch', 0], ['FCALL', 'myfunc', -1], ['FCALL', 'myfunc', 5, 'k'], ['FCALL', 'myfunc']],
  },
  {
    name: 'FCALL_RO and no-writes functions',
    request: ['SET k v', ['FUNCTION', 'LOAD', LIB_RO], ['FUNCTION', 'LOAD', LIB_W], ['FCALL_RO', 'ro', 1, 'k'], ['FCALL_RO', 'w', 1, 'k', 'x'], ['FCALL', 'w', 1, 'k', 'x'], ['FCALL', 'ro', 1, 'k']],
  },
  {
    name: 'FUNCTION LIST, WITHCODE, LIBRARYNAME',
    request: [['FUNCTION', 'LIST'], ['FUNCTION', 'LOAD', LIB], ['FUNCTION', 'LIST'], ['FUNCTION', 'LIST', 'WITHCODE'], ['FUNCTION', 'LIST', 'LIBRARYNAME', 'my*'], ['FUNCTION', 'LIST', 'LIBRARYNAME', 'zz*'], ['FUNCTION', 'LIST', 'NOPE']],
  },
  { name: 'FUNCTION DELETE, FLUSH, STATS, KILL, HELP', request: [['FUNCTION', 'LOAD', LIB], 'FUNCTION STATS', 'FUNCTION DELETE mylib', 'FUNCTION DELETE mylib', 'FUNCTION STATS', 'FUNCTION FLUSH ASYNC', 'FUNCTION FLUSH NOPE', 'FUNCTION KILL', 'FUNCTION HELP', 'FUNCTION NOPE', 'FUNCTION'] },
  {
    name: 'library errors',
    request: [
      ['FUNCTION', 'LOAD', 'return 1'],
      ['FUNCTION', 'LOAD', '#!python name=x\nprint(1)'],
      ['FUNCTION', 'LOAD', '#!lua\nreturn 1'],
      ['FUNCTION', 'LOAD', '#!lua name=empty\nlocal a = 1'],
      ['FUNCTION', 'LOAD', "#!lua name=bad\nredis.register_function('bad name', function() return 1 end)"],
      ['FUNCTION', 'LOAD', "#!lua name=dup\nredis.register_function('f', function() return 1 end)\nredis.register_function('f', function() return 2 end)"],
      ['FUNCTION', 'LOAD', "#!lua name=callsredis\nredis.call('SET', 'x', 'y')"],
      ['FUNCTION', 'LOAD', '#!lua name=syntax\nthis is not lua'],
      ['FUNCTION', 'LOAD', "#!lua name=errs\nredis.register_function('e', function() return redis.error_reply('FAIL from function') end)"],
      ['FCALL', 'e', 0],
      ['FUNCTION', 'LOAD', "#!lua name=other\nredis.register_function('myfunc2', function() return 1 end)"],
      ['FUNCTION', 'LOAD', "#!lua name=clash\nredis.register_function('myfunc2', function() return 2 end)"],
    ],
  },
  {
    name: 'FUNCTION DUMP and RESTORE with FLUSH, APPEND, REPLACE',
    steps: [
      { request: [['FUNCTION', 'LOAD', LIB], 'FUNCTION DUMP'] },
      {
        request: (earlier) => {
          const payload = bulkReply(earlier[0]!, 1);
          return [
            ['FUNCTION', 'RESTORE', payload],
            'FUNCTION FLUSH',
            ['FUNCTION', 'RESTORE', payload],
            ['FUNCTION', 'RESTORE', payload, 'APPEND'],
            ['FUNCTION', 'RESTORE', payload, 'REPLACE'],
            ['FUNCTION', 'RESTORE', payload, 'FLUSH'],
            ['FUNCTION', 'RESTORE', payload, 'NOPE'],
            ['FUNCTION', 'RESTORE', 'garbage'],
            'FUNCTION LIST',
            'SET k restored',
            'FCALL myfunc 1 k',
          ];
        },
      },
    ],
  },
  { name: 'FUNCTION DUMP of no library', request: ['FUNCTION DUMP'] },
  { name: 'functions with many keys and arguments', request: [['FUNCTION', 'LOAD', "#!lua name=echo\nredis.register_function('echo', function(keys, args) return {keys, args, #keys, #args} end)"], ['FCALL', 'echo', 3, 'a', 'b', 'c', ...times(100, (i) => `arg${i}`)]] },
];

parity({ scripts, functions });
