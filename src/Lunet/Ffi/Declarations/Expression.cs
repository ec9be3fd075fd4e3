namespace Lunet.Ffi.Declarations;

/// <summary>A constant expression as written; <see cref="ConstantEvaluator"/> gives it a value.</summary>
public abstract record Expression(SourcePosition Position);

/// <summary>An integer or character constant; Suffix and base decide its C type.</summary>
public sealed record IntegerLiteral(ulong Value, IntegerSuffix Suffix, string Spelling, SourcePosition Position) : Expression(Position);

public sealed record FloatLiteral(string Spelling, SourcePosition Position) : Expression(Position);

public sealed record StringLiteral(string Value, SourcePosition Position) : Expression(Position);

public sealed record IdentifierExpression(string Name, SourcePosition Position) : Expression(Position);

/// <summary>Operators: "-", "+", "~", "!".</summary>
public sealed record UnaryExpression(string Operator, Expression Operand, SourcePosition Position) : Expression(Position);

/// <summary>Operators: * / % + - &lt;&lt; &gt;&gt; &lt; &gt; &lt;= &gt;= == != &amp; ^ | &amp;&amp; || and ",".</summary>
public sealed record BinaryExpression(string Operator, Expression Left, Expression Right, SourcePosition Position) : Expression(Position);

/// <summary><c>c ? a : b</c>; WhenTrue is null for GNU <c>c ?: b</c>, whose true value is the condition's.</summary>
public sealed record ConditionalExpression(Expression Condition, Expression? WhenTrue, Expression WhenFalse, SourcePosition Position) : Expression(Position);

public sealed record CastExpression(TypeSyntax Type, Expression Operand, SourcePosition Position) : Expression(Position);

/// <summary><c>sizeof(type)</c> or <c>_Alignof(type)</c>/<c>__alignof__(type)</c>.</summary>
public sealed record TypeTraitExpression(bool Alignment, TypeSyntax Type, SourcePosition Position) : Expression(Position);

/// <summary><c>sizeof expr</c> or <c>__alignof__ expr</c>.</summary>
public sealed record ExpressionTraitExpression(bool Alignment, Expression Operand, SourcePosition Position) : Expression(Position);

/// <summary><c>__builtin_offsetof(type, a.b[2].c)</c>: the member designator kept as text parts.</summary>
public sealed record OffsetofExpression(TypeSyntax Type, IReadOnlyList<string> Designator, SourcePosition Position) : Expression(Position);
