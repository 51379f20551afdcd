// MULTI/EXEC/DISCARD/WATCH: queue-time and exec-time errors, nesting, WATCH failures on the same
// connection and from another one, transactions mixed with SELECT, QUIT and RESET.

import { parity, times, type Case } from './harness.js';

const transactions: Case[] = [
  { name: 'MULTI and EXEC', request: ['MULTI', 'SET k 1', 'INCR k', 'GET k', 'LPUSH l a', 'EXEC', 'GET k'] },
  { name: 'an empty transaction', request: ['MULTI', 'EXEC'] },
  { name: 'nulls and empty arrays inside EXEC', request: ['SET a 1', 'MULTI', 'GET missing', 'LPOP missing', 'MGET a missing', 'LRANGE missing 0 -1', 'BLPOP missing 0', 'EXEC'] },
  { name: 'an error at queue time aborts EXEC', request: ['MULTI', 'SET k 1', 'NOSUCHCOMMAND', 'INCR k', 'EXEC', 'GET k'] },
  { name: 'a wrong arity at queue time aborts EXEC', request: ['MULTI', 'SET k', 'EXEC', 'EXISTS k'] },
  { name: 'errors at exec time do not stop the others', request: ['SET s notanumber', 'MULTI', 'INCR s', 'SET k v', 'LPUSH s x', 'GET k', 'EXEC'] },
  { name: 'nested MULTI is refused and the transaction continues', request: ['MULTI', 'SET k 1', 'MULTI', 'INCR k', 'EXEC', 'GET k'] },
  { name: 'EXEC and DISCARD without MULTI', request: ['EXEC', 'DISCARD', 'PING'] },
  { name: 'DISCARD drops the queue', request: ['MULTI', 'SET k 1', 'DISCARD', 'GET k', 'EXEC'] },
  { name: 'WATCH inside MULTI is refused', request: ['MULTI', 'WATCH k', 'SET k 1', 'EXEC'] },
  { name: 'WATCH arity and UNWATCH without WATCH', request: ['WATCH', 'UNWATCH', 'UNWATCH x', 'PING'] },
  { name: 'a WATCHed key changed by the same connection aborts EXEC', request: ['SET k 1', 'WATCH k', 'SET k 2', 'MULTI', 'SET k 3', 'EXEC', 'GET k'] },
  { name: 'a WATCHed missing key created by the same connection aborts EXEC', request: ['WATCH k', 'SET k 1', 'MULTI', 'INCR k', 'EXEC', 'GET k'] },
  { name: 'a WATCHed key read but not changed lets EXEC run', request: ['SET k 1', 'WATCH k', 'GET k', 'MULTI', 'INCR k', 'EXEC'] },
  { name: 'UNWATCH forgets the change', request: ['SET k 1', 'WATCH k', 'SET k 2', 'UNWATCH', 'MULTI', 'INCR k', 'EXEC'] },
  { name: 'EXEC after a WATCH failure, then a new transaction works', request: ['WATCH k', 'SET k 1', 'MULTI', 'SET k 2', 'EXEC', 'MULTI', 'SET k 3', 'EXEC', 'GET k'] },
  { name: 'DISCARD also unwatches', request: ['WATCH k', 'SET k 1', 'MULTI', 'DISCARD', 'MULTI', 'INCR k', 'EXEC'] },
  { name: 'FLUSHALL touches WATCHed keys', request: ['SET k 1', 'WATCH k', 'FLUSHALL', 'MULTI', 'PING', 'EXEC'] },
  { name: 'SWAPDB touches WATCHed keys', request: ['SET k 1', 'WATCH k', 'SWAPDB 0 1', 'MULTI', 'PING', 'EXEC', 'SWAPDB 0 1'] },
  { name: 'an expiring WATCHed key touched by EXPIRE', request: ['SET k 1', 'WATCH k', 'EXPIRE k 100', 'MULTI', 'TTL k', 'EXEC'] },
  { name: 'WATCH in another db', request: ['SELECT 1', 'WATCH k', 'SELECT 0', 'SET k v', 'MULTI', 'PING', 'EXEC', 'SELECT 1', 'SET k w', 'MULTI', 'PING', 'EXEC'] },
  { name: 'SELECT inside MULTI changes the db after EXEC', request: ['MULTI', 'SELECT 2', 'SET k two', 'EXEC', 'GET k', 'SELECT 0', 'GET k'] },
  { name: 'SELECT of a bad db inside MULTI fails at exec time', request: ['MULTI', 'SELECT 99', 'PING', 'EXEC'] },
  { name: 'QUIT inside MULTI closes the connection', request: ['MULTI', 'SET k 1', 'QUIT', 'PING'], replies: 3, closes: true },
  { name: 'RESET inside MULTI ends the transaction', request: ['MULTI', 'SET k 1', 'RESET', 'EXEC', 'GET k'] },
  { name: 'scripts and functions inside MULTI', request: ['MULTI', "EVAL \"return redis.call('SET', KEYS[1], ARGV[1])\" 1 k v", 'EVAL "return {1,2,{3}}" 0', 'EVAL "return redis.error_reply(\'boom\')" 0', 'FCALL nosuch 0', 'EXEC'] },
  { name: 'CLIENT SETNAME inside MULTI', request: ['MULTI', 'CLIENT SETNAME txname', 'CLIENT GETNAME', 'EXEC', 'CLIENT GETNAME'] },
  { name: 'PING and ECHO queued, blocking pops do not block', request: ['MULTI', 'PING', 'PING hi', 'ECHO x', 'BRPOPLPUSH a b 0', 'EXEC'] },
  { name: 'WAIT inside MULTI', request: ['SET k v', 'MULTI', 'WAIT 0 0', 'GET k', 'EXEC'] },
  { name: '1000 commands queued in one write', request: ['MULTI', ...times(1000, (i) => ['RPUSH', 'l', i]), 'LRANGE l 0 4', 'EXEC'] },
  { name: 'a transaction whose EXEC reply is 5 MB', request: [['SET', 'big', Buffer.alloc(1024 * 1024, 'b')], 'MULTI', ...times(5, () => 'GET big'), 'EXEC'] },
  {
    name: 'a WATCHed key changed by another connection aborts EXEC',
    steps: [
      { conn: 0, request: ['SET w1 1', 'WATCH w1'] },
      { conn: 1, request: ['SET w1 2'] },
      { conn: 0, request: ['MULTI', 'SET w1 3', 'EXEC', 'GET w1'] },
    ],
  },
  {
    name: 'a WATCHed key only read by another connection lets EXEC run',
    steps: [
      { conn: 0, request: ['SET w2 1', 'WATCH w2'] },
      { conn: 1, request: ['GET w2', 'EXISTS w2', 'TYPE w2'] },
      { conn: 0, request: ['MULTI', 'INCR w2', 'EXEC'] },
    ],
  },
  {
    name: 'a transaction of one connection is not seen by another before EXEC',
    steps: [
      { conn: 0, request: ['MULTI', 'SET w3 1'] },
      { conn: 1, request: ['GET w3'] },
      { conn: 0, request: ['EXEC'] },
      { conn: 1, request: ['GET w3'] },
    ],
  },
];

const differences: Case[] = [
  {
    name: 'AUTH inside MULTI',
    request: ['MULTI', 'AUTH x', 'EXEC'],
    documented: {
      reason: 'AUTH and HELLO are answered by the proxy, so they cannot join a Redis transaction: refused at queue time, EXEC aborts',
      proxied: "+OK\r\n-ERR 'auth' cannot be queued in MULTI: the proxy runs it itself\r\n-EXECABORT Transaction discarded because of previous errors.\r\n",
    },
  },
  {
    name: 'HELLO inside MULTI',
    request: ['MULTI', 'HELLO 2 SETNAME inmulti', 'DISCARD'],
    documented: {
      reason: 'AUTH and HELLO are answered by the proxy, so they cannot join a Redis transaction: refused at queue time',
      proxied: "+OK\r\n-ERR 'hello' cannot be queued in MULTI: the proxy runs it itself\r\n+OK\r\n",
    },
  },
];

parity({ transactions, 'transactions, known differences': differences });
