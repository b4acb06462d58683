// tablestore ships no type declarations; the functions use it only through ./ots.ts.
declare module 'tablestore';
