import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CsvError, parseTradeJournalCsv, performanceReport, TradeJournalError, tradeJournalFormat } from '../src/index.ts';

const header = 'date,strategy,symbol,quantity,buy_value,buy_time,sell_value,sell_time,fees,pnl';

function journalError(text: string): TradeJournalError {
  try {
    parseTradeJournalCsv(text);
  } catch (error) {
    if (error instanceof TradeJournalError) return error;
    throw error;
  }
  throw new Error('the journal was accepted');
}

describe('parseTradeJournalCsv', () => {
  it('an intraday long on AAPL and a short on TSLA sold at the open and covered at noon become two closed trades', () => {
    const trades = parseTradeJournalCsv(
      [
        header,
        '2024-03-05,momentum,AAPL,10,1700.00,09:31,1712.50,15:58,1.50,11.00',
        '2024-03-05,momentum,TSLA,5,905.00,12:00:30,1000.00,09:30,2.00,93.00',
      ].join('\n'),
    );
    expect(trades).toEqual([
      {
        strategy: 'momentum',
        symbol: 'AAPL',
        side: 'long',
        quantity: 10,
        entryValue: 1700,
        exitValue: 1712.5,
        entryAt: '2024-03-05T09:31:00',
        exitAt: '2024-03-05T15:58:00',
        fees: 1.5,
        pnl: 11,
      },
      {
        strategy: 'momentum',
        symbol: 'TSLA',
        side: 'short',
        quantity: 5,
        entryValue: 1000,
        exitValue: 905,
        entryAt: '2024-03-05T09:30:00',
        exitAt: '2024-03-05T12:00:30',
        fees: 2,
        pnl: 93,
      },
    ]);
  });

  it('aliases in any order and case, quoted fields with commas, CRLF and no final newline are read alike', () => {
    const text = [
      'P&L,Sell Amount,Ticker,"Qty",Buy Amount,Fees/Taxes,Trade_Date,Strategy,Sell-Time,BUY_TIME,Notes',
      '"-1,004.00","99,000.00",MSFT,200,"100,000.00",4,2024-01-10,swing,2024-01-12 15:00,2024-01-10 10:00,"a note, with a comma and ""quotes"""',
    ].join('\r\n');
    expect(parseTradeJournalCsv(text)).toEqual([
      {
        strategy: 'swing',
        symbol: 'MSFT',
        side: 'long',
        quantity: 200,
        entryValue: 100_000,
        exitValue: 99_000,
        entryAt: '2024-01-10T10:00:00',
        exitAt: '2024-01-12T15:00:00',
        fees: 4,
        pnl: -1_004,
      },
    ]);
    expect(parseTradeJournalCsv(`${text}\r\n`)).toEqual(parseTradeJournalCsv(text));
  });

  it('without a pnl column the P&L is sell - buy - fees, and a P&L within a cent of it is kept as written', () => {
    const computed = parseTradeJournalCsv('symbol,qty,buy_value,sell_value,fees,date,strategy\nSPY,1,500,510,0.25,2024-02-01,s\n');
    expect(computed[0]).toMatchObject({ pnl: 9.75, entryAt: '2024-02-01', exitAt: '2024-02-01', side: 'long' });
    const rounded = parseTradeJournalCsv(`${header}\n2024-02-01,s,SPY,3,100.004,10:00,110.01,11:00,0,10.01`);
    expect(rounded[0]!.pnl).toBe(10.01);
  });

  it('a P&L written in accounting parentheses is a loss', () => {
    expect(parseTradeJournalCsv(`${header}\n2024-02-01,s,SPY,1,110,10:00,100,11:00,0,(10.00)`)[0]!.pnl).toBe(-10);
  });

  it('the side column decides a same-day trade without times, and a default strategy fills empty cells', () => {
    const trades = parseTradeJournalCsv(
      'date,symbol,side,quantity,buy_value,sell_value,strategy\n2024-04-01,NVDA,short,2,1800,1900,\n2024-04-01,NVDA,,2,1800,1900,breakout',
      {
        defaultStrategy: 'imported',
      },
    );
    expect(trades.map(({ side, strategy, entryValue, pnl }) => ({ side, strategy, entryValue, pnl }))).toEqual([
      { side: 'short', strategy: 'imported', entryValue: 1900, pnl: 100 },
      { side: 'long', strategy: 'breakout', entryValue: 1800, pnl: 100 },
    ]);
  });

  it('times with a zone are compared as instants: bought 15:45 in New York (19:45 UTC) is after sold 19:30 UTC: a short', () => {
    const trades = parseTradeJournalCsv(
      'symbol,qty,buy_value,buy_time,sell_value,sell_time,strategy\nIBM,1,180,2024-05-06T15:45:00-04:00,185,2024-05-06T19:30:00Z,s',
    );
    expect(trades[0]).toMatchObject({ side: 'short', entryAt: '2024-05-06T19:30:00Z', exitAt: '2024-05-06T15:45:00-04:00', pnl: 5 });
  });

  it('a quoted note running over two lines keeps later line numbers right, and a single-digit hour is read', () => {
    const text = `symbol,notes,qty,buy_value,buy_time,sell_value,sell_time,strategy\nSPY,"first line\nsecond line",1,100,2024-02-01 9:30,101,2024-02-01 10:00,s\nSPY,,x,100,2024-02-01 9:30,101,2024-02-01 10:00,s`;
    expect(journalError(text).message).toBe('line 4: qty must be a positive number, got "x"');
    const [first] = parseTradeJournalCsv(text.split('\n').slice(0, 3).join('\n'));
    expect(first).toMatchObject({ entryAt: '2024-02-01T09:30:00', exitAt: '2024-02-01T10:00:00', pnl: 1 });
  });

  it('a header-only journal has no trades, and blank lines are skipped', () => {
    expect(parseTradeJournalCsv(`${header}\n`)).toEqual([]);
    expect(parseTradeJournalCsv(`${header}\n\n,,,,,,,,,\n2024-02-01,s,SPY,1,100,10:00,101,11:00,0,1\n\n`)).toHaveLength(1);
  });

  it('imported trades feed the performance report', () => {
    const trades = parseTradeJournalCsv(
      `${header}\n2024-03-04,s,AAPL,1,100,10:00,110,11:00,0,10\n2024-03-05,s,AAPL,1,100,10:00,95,11:00,0,-5\n2024-03-06,s,AAPL,1,100,10:00,102,11:00,0,2`,
    );
    const report = performanceReport({ trades, dailyEquity: [] });
    expect(report.trades).toMatchObject({ trades: 3, wins: 2, losses: 1, profitFactor: 12 / 5, expectancy: 7 / 3 });
    expect(report.realizedPnl.total).toBe(7);
  });
});

describe('a bad journal is refused whole, naming the line and column', () => {
  const good = '2024-02-01,s,SPY,1,100,10:00,101,11:00,0,1';

  it('a quantity that is not a number on line 7 names line 7 and the quantity column', () => {
    const lines = [header, good, good, good, good, good, '2024-02-01,s,SPY,abc,100,10:00,101,11:00,0,1', good];
    const error = journalError(lines.join('\n'));
    expect(error.message).toBe('line 7: quantity must be a positive number, got "abc"');
    expect(error).toBeInstanceOf(CsvError); // the API answers it as `CSV ${message}`, like a bad price CSV
    expect(error.line).toBe(7);
    expect(error.column).toBe('quantity');
  });

  it('the column is named as the file writes it', () => {
    expect(journalError('Symbol,Qty,Buy Amount,Sell Amount,Trade Date,Strategy\nSPY,-2,100,101,2024-02-01,s').message).toBe(
      'line 2: Qty must be a positive number, got "-2"',
    );
  });

  it('a P&L more than a cent away from sell - buy - fees is refused', () => {
    expect(journalError(`${header}\n2024-02-01,s,SPY,1,100,10:00,101,11:00,0.5,1`).message).toBe(
      'line 2: pnl is 1 but sell_value - buy_value - fees is 0.5: more than a cent apart',
    );
  });

  it('missing required columns are listed on line 1', () => {
    expect(journalError('symbol,quantity,buy_value\nSPY,1,100').message).toBe('line 1: missing columns buy_time, sell_value (or sell_amount), sell_time');
  });

  it('two columns for one field, an unclosed quote and an extra field are refused', () => {
    expect(journalError('symbol,qty,quantity,buy_value,sell_value,date\n').message).toBe('line 1: columns "qty" and "quantity" both give quantity');
    expect(journalError(`${header}\n${good}\n2024-02-01,"s,SPY,1,100,10:00,101,11:00,0,1\n${good}`).message).toBe('line 3: a quoted field is never closed');
    expect(journalError(`${header}\n${good},extra`).message).toBe('line 2: has 11 fields, the header has 10');
  });

  it('bad dates, times, fees, sides and strategies each name their column', () => {
    const row = (cells: Partial<Record<string, string>>) =>
      `${header}\n${['date', 'strategy', 'symbol', 'quantity', 'buy_value', 'buy_time', 'sell_value', 'sell_time', 'fees', 'pnl']
        .map(
          (name) =>
            cells[name] ??
            {
              date: '2024-02-01',
              strategy: 's',
              symbol: 'SPY',
              quantity: '1',
              buy_value: '100',
              buy_time: '10:00',
              sell_value: '101',
              sell_time: '11:00',
              fees: '0',
              pnl: '1',
            }[name],
        )
        .join(',')}`;
    expect(journalError(row({ date: '2024-02-30' })).message).toBe(
      'line 2: date must be a date (YYYY-MM-DD) or a date-time such as 2024-01-10T00:00:00Z, got "2024-02-30"',
    );
    expect(journalError(row({ sell_time: '25:00' })).message).toBe('line 2: sell_time must be a date or date-time such as 2024-03-05 09:31, got "25:00"');
    expect(journalError(row({ date: '' })).message).toBe('line 2: buy_time "10:00" is a time of day and the row has no date');
    expect(journalError(row({ fees: '-1', pnl: '2' })).message).toBe('line 2: fees must be a non-negative number, got "-1"');
    expect(journalError(row({ strategy: '' })).message).toBe('line 2: strategy is empty and no default strategy was given');
    expect(journalError(row({ buy_time: '2024-02-01T10:00Z' })).message).toBe(
      'line 2: sell_time and buy_time must both give a time zone or neither (2024-02-01T10:00:00Z, 2024-02-01T11:00:00)',
    );
    expect(journalError('date,symbol,side,qty,buy_value,buy_time,sell_value,sell_time,strategy\n2024-02-01,SPY,short,1,100,10:00,101,11:00,s').message).toBe(
      'line 2: side says short but the trade was bought before it was sold',
    );
  });

  it('an empty file has no header', () => {
    expect(journalError('').message).toBe('line 1: the header line is missing');
  });
});

describe('the journal format', () => {
  it('docs/quant.md quotes the header set as the parser documents it', () => {
    const guide = readFileSync(new URL('../../../docs/quant.md', import.meta.url), 'utf8');
    expect(guide).toContain(tradeJournalFormat);
  });
});
