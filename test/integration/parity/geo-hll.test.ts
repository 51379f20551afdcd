// Geospatial indexes and HyperLogLog.

import { parity, times, type Case } from './harness.js';

const SICILY = ['GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 12.758489 38.788135 edge1 17.241510 38.788135 edge2'];

const geo: Case[] = [
  { name: 'GEOADD with NX, XX, CH', request: [...SICILY, 'GEOADD Sicily NX 13 38 Palermo 14 37 New', 'GEOADD Sicily XX CH 13.5 38.1 Palermo 1 1 Other', 'GEOADD Sicily CH 13.5 38.1 Palermo', 'ZCARD Sicily', 'GEOADD Sicily NX XX 1 1 a'] },
  { name: 'GEOADD errors', request: ['GEOADD k 181 0 m', 'GEOADD k 0 86 m', 'GEOADD k x 0 m', 'GEOADD k 1 1', 'GEOADD k FOO 1 1 m', 'GEOADD k'] },
  { name: 'GEOPOS, GEODIST with units, GEOHASH', request: [...SICILY, 'GEOPOS Sicily Palermo missing Catania', 'GEOPOS missing a', 'GEODIST Sicily Palermo Catania', 'GEODIST Sicily Palermo Catania km', 'GEODIST Sicily Palermo Catania mi', 'GEODIST Sicily Palermo Catania ft', 'GEODIST Sicily Palermo missing', 'GEODIST Sicily Palermo Catania parsec', 'GEOHASH Sicily Palermo Catania missing', 'GEOHASH missing a'] },
  {
    name: 'GEORADIUS and GEORADIUSBYMEMBER with WITHCOORD, WITHDIST, WITHHASH, COUNT, sorting',
    request: [
      ...SICILY,
      'GEORADIUS Sicily 15 37 200 km ASC',
      'GEORADIUS Sicily 15 37 200 km WITHDIST DESC',
      'GEORADIUS Sicily 15 37 200 km WITHCOORD WITHDIST WITHHASH ASC',
      'GEORADIUS Sicily 15 37 300 km COUNT 2 ASC',
      'GEORADIUS Sicily 15 37 300 km COUNT 1 ANY',
      'GEORADIUS Sicily 15 37 10 km',
      'GEORADIUSBYMEMBER Sicily Palermo 200 km ASC WITHDIST',
      'GEORADIUSBYMEMBER Sicily missing 200 km',
      'GEORADIUS_RO Sicily 15 37 200 km ASC',
      'GEORADIUSBYMEMBER_RO Sicily Catania 100 mi DESC',
      'GEORADIUS Sicily 15 37 200 parsec',
      'GEORADIUS Sicily 15 37 -1 km',
      'GEORADIUS Sicily 15 37 200 km COUNT 0',
      'GEORADIUS Sicily 15 37 200 km ANY',
      'GEORADIUS_RO Sicily 15 37 200 km STORE d',
    ],
  },
  {
    name: 'GEORADIUS STORE and STOREDIST',
    request: [...SICILY, 'GEORADIUS Sicily 15 37 200 km STORE d', 'ZRANGE d 0 -1 WITHSCORES', 'GEORADIUS Sicily 15 37 200 km STOREDIST dd', 'ZRANGE dd 0 -1 WITHSCORES', 'GEORADIUS Sicily 15 37 1 km STORE d', 'EXISTS d', 'GEORADIUS Sicily 15 37 200 km WITHDIST STORE d'],
  },
  {
    name: 'GEOSEARCH FROMMEMBER, FROMLONLAT, BYRADIUS, BYBOX',
    request: [
      ...SICILY,
      'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC',
      'GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 400 400 km ASC WITHCOORD WITHDIST WITHHASH',
      'GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km DESC COUNT 2',
      'GEOSEARCH Sicily FROMMEMBER missing BYRADIUS 1 km',
      'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km BYBOX 1 1 km',
      'GEOSEARCH Sicily BYRADIUS 200 km',
      'GEOSEARCH Sicily FROMMEMBER Palermo FROMLONLAT 1 1 BYRADIUS 1 km',
      'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km STORE d',
      'GEOSEARCH missing FROMLONLAT 15 37 BYRADIUS 200 km',
    ],
  },
  {
    name: 'GEOSEARCHSTORE with STOREDIST',
    request: [...SICILY, 'GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC COUNT 3', 'ZRANGE d 0 -1 WITHSCORES', 'GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST', 'ZRANGE d 0 -1 WITHSCORES', 'GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST'],
  },
  { name: 'a geo set is a sorted set', request: [...SICILY, 'TYPE Sicily', 'ZRANGE Sicily 0 -1 WITHSCORES', 'ZSCORE Sicily Palermo', 'SET s v', 'GEOADD s 1 1 m', 'GEOPOS s m'] },
];

const hll: Case[] = [
  { name: 'PFADD and PFCOUNT', request: ['PFADD h a b c d', 'PFADD h a', 'PFADD h', 'PFADD empty', 'PFCOUNT h', 'PFCOUNT missing', 'PFADD g c d e f', 'PFCOUNT h g', 'PFCOUNT h missing'] },
  { name: 'PFMERGE', request: ['PFADD a 1 2 3', 'PFADD b 3 4 5', 'PFMERGE c a b', 'PFCOUNT c', 'PFMERGE c', 'PFCOUNT c', 'PFMERGE new missing', 'EXISTS new', 'PFMERGE a'] },
  { name: 'an HLL is a string with a known layout', request: ['PFADD h x y z', 'GET h', 'STRLEN h', 'TYPE h'] },
  { name: 'PFADD of 5000 elements switches to dense', request: [['PFADD', 'h', ...times(5000, (i) => `e${i}`)], 'PFCOUNT h', 'PFDEBUG ENCODING h', 'STRLEN h'] },
  { name: 'PFDEBUG', request: ['PFADD h a b', 'PFDEBUG ENCODING h', 'PFDEBUG DECODE h', 'PFDEBUG TODENSE h', 'PFDEBUG ENCODING h', 'PFDEBUG GETREG h', 'PFDEBUG NOPE h', 'PFDEBUG ENCODING missing'] },
  { name: 'PFSELFTEST', request: ['PFSELFTEST'] },
  { name: 'HLL errors', request: ['SET s notanhll', 'PFADD s a', 'PFCOUNT s', 'PFMERGE d s', 'RPUSH l a', 'PFADD l a', 'PFCOUNT l', ['SET', 'corrupt', Buffer.concat([Buffer.from('HYLL'), Buffer.alloc(12)])], 'PFCOUNT corrupt', 'PFADD corrupt x'] },
];

parity({ geo, HyperLogLog: hll });
