// Connection and server commands: PING/ECHO, HELLO, AUTH, CLIENT, CONFIG, COMMAND, ACL, DEBUG,
// MEMORY, LATENCY, SLOWLOG, unknown commands and subcommands, wrong arity everywhere, and the
// differences the README documents.

import { integerReply, maskField, maskPairs, maskReply, parity, type Case, type Mask } from './harness.js';

/** Connection identity and memory figures in CLIENT INFO; the rest (flags, db, cmd, ...) is compared. */
const clientInfo = maskPairs('id', 'addr', 'laddr', 'fd', 'age', 'idle', 'qbuf', 'qbuf-free', 'argv-mem', 'multi-mem', 'rbs', 'rbp', 'obl', 'oll', 'omem', 'tot-mem');
/** DEBUG OBJECT: the value's address and its LRU clock. */
const debugObject: Mask = (reply) => reply.replace(/at:0x[0-9a-f]+/g, 'at:<addr>').replace(/ lru:\d+/g, ' lru:<masked>').replace(/lru_seconds_idle:\d+/g, 'lru_seconds_idle:<masked>');

const connection: Case[] = [
  { name: 'PING and ECHO', request: ['PING', 'PING hello', ['PING', ''], 'PING a b', 'ECHO hi', ['ECHO', ''], ['ECHO', Buffer.from([0, 13, 10, 255])], 'ECHO', 'ECHO a b'] },
  { name: 'QUIT replies and closes; what follows is not run', request: ['SET k before', 'QUIT', 'SET k after'], replies: 2, closes: true },
  { name: 'QUIT with arguments', request: ['QUIT now please'], closes: true },
  { name: 'RESET', request: ['SELECT 3', 'CLIENT SETNAME n', 'MULTI', 'RESET', 'CLIENT GETNAME', 'SET k v', 'SELECT 0', 'GET k', 'EXEC'] },
  { name: 'AUTH without a configured password', request: ['AUTH pw', 'AUTH default pw', 'AUTH bob pw', 'AUTH a b c', 'AUTH', 'PING'] },
  // HELLO's id is the connection's id: masked.
  { name: 'HELLO, HELLO 2 and its options (id masked)', request: ['HELLO', 'HELLO 2', 'HELLO 2 AUTH default anything', 'HELLO 2 AUTH bob pw', 'HELLO abc', 'HELLO 2 SETNAME', 'PING'], mask: [maskField('id')] },
  { name: 'a HELLO 2 SETNAME name is what CLIENT GETNAME says (id masked)', request: ['HELLO 2 SETNAME hello-name', 'CLIENT GETNAME', 'HELLO 2 AUTH default x SETNAME other', 'CLIENT GETNAME'], mask: [maskField('id')] },
  { name: 'HELLO with a bad client name', request: ['HELLO 2 SETNAME "bad name"', 'CLIENT GETNAME', 'PING'] },
  { name: 'HELLO options keep their case in errors', request: ['HELLO 2 FOO', 'HELLO 2 AUTH default', 'HELLO 2 SetName'] },
  { name: 'HELLO with protocol versions 1, 4, -1 and a 20-digit one', request: ['HELLO 1', 'HELLO 4', 'HELLO -1', 'HELLO 99999999999999999999', 'HELLO 2.0'] },
  { name: 'HELLO 02 and HELLO -0', request: ['HELLO 02', 'HELLO -0'], mask: [maskField('id')] },
];

const client: Case[] = [
  { name: 'CLIENT SETNAME and GETNAME', request: ['CLIENT GETNAME', 'CLIENT SETNAME worker-7', 'CLIENT GETNAME', ['CLIENT', 'SETNAME', ''], 'CLIENT GETNAME', 'CLIENT SETNAME "a b"', 'CLIENT SETNAME "a\nb"', 'CLIENT SETNAME', 'CLIENT GETNAME x'] },
  { name: 'CLIENT INFO (identity and memory masked)', request: ['CLIENT SETNAME info-test', 'SELECT 2', 'CLIENT INFO'], mask: [clientInfo] },
  { name: 'CLIENT INFO inside MULTI (identity and memory masked)', request: ['MULTI', 'CLIENT INFO', 'EXEC'], mask: [clientInfo] },
  { name: 'CLIENT TRACKING, TRACKINGINFO, GETREDIR, CACHING', request: ['CLIENT TRACKINGINFO', 'CLIENT GETREDIR', 'CLIENT CACHING yes', 'CLIENT TRACKING on OPTIN', 'CLIENT TRACKINGINFO', 'CLIENT CACHING yes', 'CLIENT TRACKING off', 'CLIENT TRACKING on BCAST PREFIX a PREFIX b', 'CLIENT TRACKINGINFO', 'CLIENT TRACKING maybe', 'CLIENT TRACKING on REDIRECT 999999', 'CLIENT TRACKING off'] },
  { name: 'CLIENT NO-EVICT, UNPAUSE, PAUSE errors', request: ['CLIENT NO-EVICT on', 'CLIENT NO-EVICT maybe', 'CLIENT UNPAUSE', 'CLIENT PAUSE x', 'CLIENT PAUSE 10 NOPE', 'CLIENT PAUSE -1'] },
  { name: 'CLIENT KILL and UNBLOCK of unknown clients', request: ['CLIENT KILL 1.2.3.4:5', 'CLIENT KILL ID 999999999', 'CLIENT KILL ID x', 'CLIENT KILL TYPE nope', 'CLIENT KILL NOPE x', 'CLIENT UNBLOCK 999999999', 'CLIENT UNBLOCK x', 'CLIENT UNBLOCK 1 MAYBE'] },
  { name: 'CLIENT HELP, unknown subcommand, arity', request: ['CLIENT HELP', 'CLIENT NOPE', 'CLIENT', 'CLIENT SETNAME a b'] },
  { name: 'CLIENT REPLY ON', request: ['CLIENT REPLY ON', 'PING'] },
  { name: 'CLIENT REPLY with a bad mode', request: ['CLIENT REPLY MAYBE', 'PING'] },
  {
    name: 'CLIENT UNBLOCK of a client blocked in BLPOP, with and without ERROR',
    steps: [
      { conn: 0, request: ['CLIENT ID', 'BLPOP ub1 10'], replies: 1, untilBlocked: 1 },
      { conn: 1, request: (earlier) => [['CLIENT', 'UNBLOCK', integerReply(earlier[0]!, 0)]] },
      { conn: 0, owed: 1, request: ['BLPOP ub1 10'], replies: 0, untilBlocked: 1 },
      { conn: 1, request: (earlier) => [['CLIENT', 'UNBLOCK', integerReply(earlier[0]!, 0), 'ERROR']] },
      { conn: 0, owed: 1 },
    ],
    mask: [maskReply(0)],
  },
  {
    name: 'CLIENT KILL ID of the connection itself',
    steps: [{ request: ['CLIENT ID'] }, { request: (earlier) => [['CLIENT', 'KILL', 'ID', integerReply(earlier[0]!, 0), 'SKIPME', 'no'], 'PING'], replies: 1, closes: true }],
    mask: [maskReply(0)],
    divergence: 'the kill ends the proxy session only; the client connection stays open',
  },
];

const config: Case[] = [
  ...['maxmemory-policy', 'hash-max-listpack-entries', 'databases', 'appendonly', 'save', 'maxmemory', 'timeout', 'notify-keyspace-events', 'lua-time-limit', 'list-max-listpack-size', 'set-max-intset-entries', 'proto-max-bulk-len', 'nosuchparam'].map((name) => ({ name: `CONFIG GET ${name}`, request: [['CONFIG', 'GET', name]] })),
  { name: 'CONFIG SET, GET, and back', request: ['CONFIG SET hash-max-listpack-entries 1', 'CONFIG GET hash-max-listpack-entries', 'HSET h a 1 b 2', 'OBJECT ENCODING h', 'CONFIG SET hash-max-listpack-entries 128', 'CONFIG GET hash-max-listpack-entries'] },
  { name: 'CONFIG SET errors', request: ['CONFIG SET nope 1', 'CONFIG SET maxmemory abc', 'CONFIG SET maxmemory-policy nope', 'CONFIG SET databases 4', 'CONFIG SET maxmemory', 'CONFIG SET hash-max-listpack-entries 1 hash-max-listpack-entries 2', 'CONFIG GET'] },
  { name: 'CONFIG REWRITE without a config file, RESETSTAT, HELP, unknown subcommand', request: ['CONFIG REWRITE', 'CONFIG RESETSTAT', 'CONFIG HELP', 'CONFIG NOPE', 'CONFIG'] },
];

const introspection: Case[] = [
  { name: 'COMMAND INFO, DOCS, GETKEYS, LIST', request: ['COMMAND INFO get set', 'COMMAND INFO nosuch', 'COMMAND DOCS get', 'COMMAND DOCS get nosuch', 'COMMAND DOCS nosuch', 'COMMAND GETKEYS SET a b', 'COMMAND GETKEYS MSET a 1 b 2', 'COMMAND GETKEYS EVAL "return 1" 2 k1 k2 a', 'COMMAND GETKEYS nosuch', 'COMMAND GETKEYS PING', 'COMMAND GETKEYSANDFLAGS LMOVE a b LEFT RIGHT', 'COMMAND LIST FILTERBY PATTERN xautocl*', 'COMMAND LIST FILTERBY NOPE x', 'COMMAND HELP', 'COMMAND NOPE'] },
  { name: 'COMMAND between other commands of a pipeline', request: ['SET a 1', 'COMMAND INFO get', 'GET a', 'COMMAND GETKEYS SET a b', 'INCR a', 'COMMAND DOCS nosuch', 'GET a'] },
  // The full table comes in hash-table order (random seed per server): only whether it is empty is compared.
  {
    name: 'COMMAND INFO with no name lists every command (only emptiness compared)',
    request: ['COMMAND INFO'],
    mask: [(reply) => (/^\*0\r\n$/.test(reply) ? 'empty' : reply.startsWith('*') ? 'a table' : reply)],
  },
  { name: 'COMMAND in subscribed mode', request: ['SUBSCRIBE cmd1', 'COMMAND INFO get', 'COMMAND', 'UNSUBSCRIBE'] },
  { name: 'COMMAND inside MULTI', request: ['MULTI', 'COMMAND INFO get', 'COMMAND GETKEYS GET k', 'EXEC'] },
  { name: 'ACL WHOAMI, USERS, LIST, GETUSER, CAT, DRYRUN, LOG', request: ['ACL WHOAMI', 'ACL USERS', 'ACL LIST', 'ACL GETUSER default', 'ACL GETUSER nobody', 'ACL CAT', 'ACL DRYRUN default GET k', 'ACL DRYRUN nobody GET k', 'ACL LOG RESET', 'ACL LOG', 'ACL HELP', 'ACL NOPE'] },
  { name: 'ACL SETUSER, GETUSER, DELUSER', request: ['ACL SETUSER parity on >secret ~keys:* +get', 'ACL GETUSER parity', 'ACL DRYRUN parity SET keys:1 v', 'ACL DRYRUN parity GET keys:1', 'ACL SETUSER parity nosuchrule', 'ACL DELUSER parity nobody', 'ACL USERS'] },
  { name: 'INFO of an unknown section, ROLE, REPLICAOF NO ONE, FAILOVER', request: ['INFO nosuchsection', 'ROLE', 'REPLICAOF NO ONE', 'FAILOVER', 'FAILOVER ABORT', 'ROLE x'] },
  { name: 'SLAVEOF NO ONE, MIGRATE of a missing key, MIGRATE errors', request: ['SLAVEOF NO ONE', 'MIGRATE 127.0.0.1 1 missing 0 100', 'MIGRATE 127.0.0.1 1 "" 0 100 KEYS a b', 'MIGRATE 127.0.0.1 1 k 0 100 NOPE', 'MIGRATE 127.0.0.1 x k 0 100', 'MIGRATE 127.0.0.1 1 k 0 100 AUTH'] },
  { name: 'LOLWUT with one square', request: ['LOLWUT VERSION 5 1 1 1', 'LOLWUT VERSION 6 1 1', 'LOLWUT VERSION x'] },
  { name: 'DBSIZE, SAVE, WAIT', request: ['DBSIZE', 'SET k v', 'DBSIZE', 'SAVE', 'WAIT 0 0', 'WAIT 1 50', 'WAIT x 0', 'WAIT 0 -1'] },
  // TIME and LASTSAVE tell the clock: masked.
  { name: 'TIME and LASTSAVE (values masked)', request: ['TIME', 'LASTSAVE', 'TIME x'], mask: [maskReply(0), maskReply(1)] },
  { name: 'DEBUG PROTOCOL of every type, as a RESP2 client sees them', request: ['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'push', 'verbatim', 'true', 'false', 'nope'].map((t) => ['DEBUG', 'PROTOCOL', t]) },
  { name: 'DEBUG SLEEP, DIGEST, DIGEST-VALUE, HELP', request: ['DEBUG SLEEP 0', 'SET k v', 'RPUSH l a b', 'DEBUG DIGEST-VALUE k l missing', 'DEBUG DIGEST', 'DEBUG SET-ACTIVE-EXPIRE 1', 'DEBUG HELP', 'DEBUG NOPE', 'DEBUG SLEEP x'] },
  // The address and LRU clock of the value are masked.
  { name: 'DEBUG OBJECT (address and LRU masked)', request: ['SET k v', 'RPUSH l a b', 'DEBUG OBJECT k', 'DEBUG OBJECT l', 'DEBUG OBJECT missing'], mask: [debugObject] },
  { name: 'MEMORY USAGE, PURGE, HELP', request: ['SET k v', ['RPUSH', 'l', ...Array.from({ length: 100 }, (_, i) => `element${i}`)], 'MEMORY USAGE k', 'MEMORY USAGE l', 'MEMORY USAGE l SAMPLES 0', 'MEMORY USAGE missing', 'MEMORY USAGE k SAMPLES x', 'MEMORY PURGE', 'MEMORY HELP', 'MEMORY NOPE'] },
  { name: 'LATENCY and SLOWLOG', request: ['LATENCY LATEST', 'LATENCY HISTORY command', 'LATENCY RESET', 'LATENCY HELP', 'LATENCY NOPE', 'SLOWLOG RESET', 'SLOWLOG GET 0', 'SLOWLOG GET x', 'SLOWLOG HELP', 'SLOWLOG NOPE'] },
  { name: 'MODULE and CLUSTER in a standalone server', request: ['MODULE LIST', 'MODULE LOAD /nonexistent/module.so', 'MODULE UNLOAD nosuch', 'MODULE HELP', 'MODULE NOPE', 'CLUSTER INFO', 'CLUSTER NOPE', 'READONLY', 'READWRITE', 'ASKING'] },
  { name: 'OBJECT FREQ and IDLETIME under an LFU policy', request: ['CONFIG SET maxmemory-policy allkeys-lfu', 'SET k v', 'OBJECT FREQ k', 'OBJECT IDLETIME k', 'CONFIG SET maxmemory-policy noeviction', 'OBJECT FREQ k'] },
];

const unknown: Case[] = [
  { name: 'unknown commands', request: [[''], 'NOPE', 'nope a b c', ['NOPE', 'x'.repeat(200)], ['x'.repeat(200)], ['NO\r\nPE', 'a\r\nb'], [Buffer.from([0, 255]), Buffer.from([1])], 'PING'] },
  { name: 'unknown subcommands', request: ['CONFIG NOPE', 'CLIENT NOPE', 'XINFO NOPE', 'OBJECT NOPE', 'MEMORY NOPE', 'COMMAND NOPE', 'FUNCTION NOPE', 'SCRIPT NOPE', 'ACL NOPE', 'PUBSUB NOPE', 'LATENCY NOPE', 'SLOWLOG NOPE', 'MODULE NOPE', 'XGROUP NOPE', 'DEBUG NOPE', 'CONFIG GET', 'XINFO'] },
  { name: 'an unknown command inside a pipeline of good ones', request: ['SET k 1', 'NOSUCH k', 'INCR k', 'NOSUCH', 'GET k'] },
];

/** Commands with an arity other than 1 and -1, with no argument at all (each with a PING after it). */
const NEED_ARGUMENTS = 'acl append auth bitcount bitfield bitfield_ro bitop bitpos blmove blmpop blpop brpop brpoplpush bzmpop bzpopmax bzpopmin client cluster config copy debug decr decrby del dump echo eval eval_ro evalsha evalsha_ro exists expire expireat expiretime fcall fcall_ro function geoadd geodist geohash geopos georadius georadius_ro georadiusbymember georadiusbymember_ro geosearch geosearchstore get getbit getdel getex getrange getset hdel hexists hget hgetall hincrby hincrbyfloat hkeys hlen hmget hmset hrandfield hscan hset hsetnx hstrlen hvals incr incrby incrbyfloat keys latency lcs lindex linsert llen lmove lmpop lpop lpos lpush lpushx lrange lrem lset ltrim memory mget migrate module move mset msetnx object persist pexpire pexpireat pexpiretime pfadd pfcount pfdebug pfmerge psetex pttl publish pubsub rename renamenx replicaof restore restore-asking rpop rpoplpush rpush rpushx sadd scan scard script sdiff sdiffstore select set setbit setex setnx setrange sinter sintercard sinterstore sismember slaveof slowlog smembers smismember smove sort sort_ro spop spublish srandmember srem sscan strlen substr sunion sunionstore swapdb touch ttl type unlink wait watch xack xadd xautoclaim xclaim xdel xgroup xinfo xlen xpending xrange xread xreadgroup xrevrange xsetid xtrim zadd zcard zcount zdiff zdiffstore zincrby zinter zintercard zinterstore zlexcount zmpop zmscore zpopmax zpopmin zrandmember zrange zrangebylex zrangebyscore zrangestore zrank zrem zremrangebylex zremrangebyrank zremrangebyscore zrevrange zrevrangebylex zrevrangebyscore zrevrank zscan zscore zunion zunionstore'.split(' ');
/** Commands of arity 1, with one argument too many. */
const NO_ARGUMENTS = 'asking bgrewriteaof dbsize discard exec lastsave monitor multi pfselftest randomkey readonly readwrite role save time unwatch'.split(' ');

const arity: Case[] = [
  ...NEED_ARGUMENTS.map((name) => ({ name: `wrong arity: ${name}`, request: [[name.toUpperCase()], 'PING'] })),
  ...NO_ARGUMENTS.map((name) => ({ name: `wrong arity: ${name} x`, request: [[name.toUpperCase(), 'x'], 'PING'] })),
  { name: 'wrong arity: reset x', request: ['RESET x', 'PING'] },
];

const documented: Case[] = [
  {
    name: 'CLIENT REPLY OFF',
    request: ['CLIENT REPLY OFF', 'PING', 'CLIENT REPLY ON', 'PING'],
    replies: 2,
    documented: { reason: 'CLIENT REPLY OFF|SKIP are not supported', replies: 4, proxied: '-ERR CLIENT REPLY OFF and SKIP are not supported through suma-redis\r\n+PONG\r\n+OK\r\n+PONG\r\n' },
  },
  {
    name: 'CLIENT REPLY SKIP',
    request: ['CLIENT REPLY SKIP', 'PING', 'PING'],
    replies: 1,
    documented: { reason: 'CLIENT REPLY OFF|SKIP are not supported', replies: 3, proxied: '-ERR CLIENT REPLY OFF and SKIP are not supported through suma-redis\r\n+PONG\r\n+PONG\r\n' },
  },
  { name: 'SYNC', request: ['SYNC'], documented: { reason: 'the replication commands are refused', direct: false, proxied: "-ERR 'SYNC' is not available through suma-redis\r\n" } },
  { name: 'PSYNC', request: ['PSYNC ? -1'], documented: { reason: 'the replication commands are refused', direct: false, proxied: "-ERR 'PSYNC' is not available through suma-redis\r\n" } },
  { name: 'REPLCONF', request: ['REPLCONF listening-port 6379'], documented: { reason: 'the replication commands are refused', proxied: "-ERR 'REPLCONF' is not available through suma-redis\r\n" } },
  { name: 'HELLO 3', request: ['HELLO 3'], documented: { reason: 'HELLO 3 is refused (no RESP3)', proxied: /^-NOPROTO [^\r\n]*\r\n$/ } },
  {
    name: 'COMMAND COUNT',
    request: ['COMMAND COUNT'],
    documented: { reason: "COMMAND lists the proxy's own sumavlib commands too (src/registry/command-info.ts; not in the README yet)", proxied: /^:\d+\r\n$/ },
  },
  { name: 'CLIENT ID', request: ['CLIENT ID', 'CLIENT ID'], documented: { reason: "the CLIENT ID of a connection is the proxy session's", proxied: /^:(\d+)\r\n:\1\r\n$/ } },
];

parity({ connection, CLIENT: client, CONFIG: config, introspection, 'unknown commands': unknown, 'wrong arity': arity, 'documented differences': documented });
